// Deliberately wrong declarations: the reflection check must report them (proves it can fail).
using System;
using System.Runtime.InteropServices;
using Bits.Job2.Bridge.Interop;

namespace Bits.Job2.Bridge.Tests
{
    /// <summary>IBackgroundCopyJob2 with GetReplyProgress and GetReplyData swapped (slots 37/38).</summary>
    [ComImport, Guid("54b50739-686f-45eb-9dff-d6a9a0faa9af"), InterfaceType(ComInterfaceType.InterfaceIsIUnknown)]
    internal interface IBackgroundCopyJob2Reordered
    {
        void AddFileSet(uint cFileCount, [In, MarshalAs(UnmanagedType.LPArray, SizeParamIndex = 0)] BG_FILE_INFO[] pFileSet);
        void AddFile([MarshalAs(UnmanagedType.LPWStr)] string RemoteUrl, [MarshalAs(UnmanagedType.LPWStr)] string LocalName);
        void EnumFiles(out IEnumBackgroundCopyFiles pEnum);
        void Suspend();
        void Resume();
        [PreserveSig] int Cancel();
        [PreserveSig] int Complete();
        void GetId(out Guid pVal);
        void GetType(out BG_JOB_TYPE pVal);
        void GetProgress(out BG_JOB_PROGRESS pVal);
        void GetTimes(out BG_JOB_TIMES pVal);
        void GetState(out BG_JOB_STATE pVal);
        [PreserveSig] int GetError(out IBackgroundCopyError ppError);
        void GetOwner([MarshalAs(UnmanagedType.LPWStr)] out string pVal);
        void SetDisplayName([MarshalAs(UnmanagedType.LPWStr)] string Val);
        void GetDisplayName([MarshalAs(UnmanagedType.LPWStr)] out string pVal);
        void SetDescription([MarshalAs(UnmanagedType.LPWStr)] string Val);
        void GetDescription([MarshalAs(UnmanagedType.LPWStr)] out string pVal);
        void SetPriority(BG_JOB_PRIORITY Val);
        void GetPriority(out BG_JOB_PRIORITY pVal);
        void SetNotifyFlags(uint Val);
        void GetNotifyFlags(out uint pVal);
        void SetNotifyInterface([MarshalAs(UnmanagedType.IUnknown)] object Val);
        void GetNotifyInterface([MarshalAs(UnmanagedType.IUnknown)] out object pVal);
        void SetMinimumRetryDelay(uint Seconds);
        void GetMinimumRetryDelay(out uint Seconds);
        void SetNoProgressTimeout(uint Seconds);
        void GetNoProgressTimeout(out uint Seconds);
        void GetErrorCount(out uint Errors);
        void SetProxySettings(BG_JOB_PROXY_USAGE ProxyUsage, [MarshalAs(UnmanagedType.LPWStr)] string ProxyList, [MarshalAs(UnmanagedType.LPWStr)] string ProxyBypassList);
        void GetProxySettings(out BG_JOB_PROXY_USAGE pProxyUsage, [MarshalAs(UnmanagedType.LPWStr)] out string pProxyList, [MarshalAs(UnmanagedType.LPWStr)] out string pProxyBypassList);
        void TakeOwnership();
        void SetNotifyCmdLine([MarshalAs(UnmanagedType.LPWStr)] string Program, [MarshalAs(UnmanagedType.LPWStr)] string Parameters);
        void GetNotifyCmdLine([MarshalAs(UnmanagedType.LPWStr)] out string pProgram, [MarshalAs(UnmanagedType.LPWStr)] out string pParameters);
        [PreserveSig] int GetReplyData(out IntPtr ppBuffer, ref ulong pLength);      // swapped
        void GetReplyProgress(ref BG_JOB_REPLY_PROGRESS pProgress);                   // swapped
        void SetReplyFileName([MarshalAs(UnmanagedType.LPWStr)] string ReplyFileName);
        void GetReplyFileName([MarshalAs(UnmanagedType.LPWStr)] out string pReplyFileName);
        void SetCredentials([In] ref BG_AUTH_CREDENTIALS credentials);
        [PreserveSig] int RemoveCredentials(BG_AUTH_TARGET Target, BG_AUTH_SCHEME Scheme);
    }

    /// <summary>The classic mistake: a derived interface that does not re-declare its base methods.</summary>
    [ComImport, Guid("54b50739-686f-45eb-9dff-d6a9a0faa9af"), InterfaceType(ComInterfaceType.InterfaceIsIUnknown)]
    internal interface IBackgroundCopyJob2NoBase : IBackgroundCopyJob
    {
        void SetNotifyCmdLine([MarshalAs(UnmanagedType.LPWStr)] string Program, [MarshalAs(UnmanagedType.LPWStr)] string Parameters);
        void GetNotifyCmdLine([MarshalAs(UnmanagedType.LPWStr)] out string pProgram, [MarshalAs(UnmanagedType.LPWStr)] out string pParameters);
        void GetReplyProgress(ref BG_JOB_REPLY_PROGRESS pProgress);
        [PreserveSig] int GetReplyData(out IntPtr ppBuffer, ref ulong pLength);
        void SetReplyFileName([MarshalAs(UnmanagedType.LPWStr)] string ReplyFileName);
        void GetReplyFileName([MarshalAs(UnmanagedType.LPWStr)] out string pReplyFileName);
        void SetCredentials([In] ref BG_AUTH_CREDENTIALS credentials);
        [PreserveSig] int RemoveCredentials(BG_AUTH_TARGET Target, BG_AUTH_SCHEME Scheme);
    }

    /// <summary>IBackgroundCopyError with GetProtocol missing [PreserveSig] (BG_E_PROTOCOL_NOT_AVAILABLE would throw).</summary>
    [ComImport, Guid("19c613a0-fcb8-4f28-81ae-897c3d078f81"), InterfaceType(ComInterfaceType.InterfaceIsIUnknown)]
    internal interface IBackgroundCopyErrorNoPreserveSig
    {
        void GetError(out BG_ERROR_CONTEXT pContext, out int pCode);
        [PreserveSig] int GetFile(out IBackgroundCopyFile pVal);
        void GetErrorDescription(uint LanguageId, [MarshalAs(UnmanagedType.LPWStr)] out string pErrorDescription);
        void GetErrorContextDescription(uint LanguageId, [MarshalAs(UnmanagedType.LPWStr)] out string pContextDescription);
        void GetProtocol([MarshalAs(UnmanagedType.LPWStr)] out string pProtocol);
    }

    /// <summary>BG_FILE_PROGRESS declared with Pack = 4: loses the trailing padding (size 20, not 24).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    internal struct BadPackedFileProgress
    {
        public ulong BytesTotal;
        public ulong BytesTransferred;
        [MarshalAs(UnmanagedType.Bool)] public bool Completed;
    }
}
