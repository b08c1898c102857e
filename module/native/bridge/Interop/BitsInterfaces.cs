// BITS COM interfaces, declared by hand (no tlbimp) in the exact vtable order of spec §1.3.
// Rules (spec §1.4): InterfaceIsIUnknown; a derived interface re-declares every base method first;
// [PreserveSig] where a success code other than S_OK, or a failure payload, carries meaning;
// every out LPWSTR is CoTaskMem (the marshaller frees it); GetReplyData's buffer is freed by hand.
// Convention: every parameter of the native signature is one CLR parameter; non-PreserveSig
// methods return void (a failure HRESULT becomes a COMException that ComCall maps).
using System;
using System.Runtime.InteropServices;

namespace Bits.Job2.Bridge.Interop
{
    [ComImport, Guid(BitsIds.IID_IBackgroundCopyManager), InterfaceType(ComInterfaceType.InterfaceIsIUnknown)]
    internal interface IBackgroundCopyManager
    {
        void CreateJob([MarshalAs(UnmanagedType.LPWStr)] string DisplayName, BG_JOB_TYPE Type, out Guid pJobId, out IBackgroundCopyJob ppJob);
        void GetJob([In] ref Guid jobID, out IBackgroundCopyJob ppJob);
        void EnumJobs(uint dwFlags, out IEnumBackgroundCopyJobs ppEnum);
        void GetErrorDescription(int hResult, uint LanguageId, [MarshalAs(UnmanagedType.LPWStr)] out string pErrorDescription);
    }

    [ComImport, Guid(BitsIds.IID_IBackgroundCopyJob), InterfaceType(ComInterfaceType.InterfaceIsIUnknown)]
    internal interface IBackgroundCopyJob
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
    }

    [ComImport, Guid(BitsIds.IID_IBackgroundCopyJob2), InterfaceType(ComInterfaceType.InterfaceIsIUnknown)]
    internal interface IBackgroundCopyJob2 : IBackgroundCopyJob
    {
        // IBackgroundCopyJob, re-declared in base order (slots 3–34). `new` hides the base member
        // so that calls through an IBackgroundCopyJob2 reference use this interface's vtable.
        new void AddFileSet(uint cFileCount, [In, MarshalAs(UnmanagedType.LPArray, SizeParamIndex = 0)] BG_FILE_INFO[] pFileSet);
        new void AddFile([MarshalAs(UnmanagedType.LPWStr)] string RemoteUrl, [MarshalAs(UnmanagedType.LPWStr)] string LocalName);
        new void EnumFiles(out IEnumBackgroundCopyFiles pEnum);
        new void Suspend();
        new void Resume();
        [PreserveSig] new int Cancel();
        [PreserveSig] new int Complete();
        new void GetId(out Guid pVal);
        new void GetType(out BG_JOB_TYPE pVal);
        new void GetProgress(out BG_JOB_PROGRESS pVal);
        new void GetTimes(out BG_JOB_TIMES pVal);
        new void GetState(out BG_JOB_STATE pVal);
        [PreserveSig] new int GetError(out IBackgroundCopyError ppError);
        new void GetOwner([MarshalAs(UnmanagedType.LPWStr)] out string pVal);
        new void SetDisplayName([MarshalAs(UnmanagedType.LPWStr)] string Val);
        new void GetDisplayName([MarshalAs(UnmanagedType.LPWStr)] out string pVal);
        new void SetDescription([MarshalAs(UnmanagedType.LPWStr)] string Val);
        new void GetDescription([MarshalAs(UnmanagedType.LPWStr)] out string pVal);
        new void SetPriority(BG_JOB_PRIORITY Val);
        new void GetPriority(out BG_JOB_PRIORITY pVal);
        new void SetNotifyFlags(uint Val);
        new void GetNotifyFlags(out uint pVal);
        new void SetNotifyInterface([MarshalAs(UnmanagedType.IUnknown)] object Val);
        new void GetNotifyInterface([MarshalAs(UnmanagedType.IUnknown)] out object pVal);
        new void SetMinimumRetryDelay(uint Seconds);
        new void GetMinimumRetryDelay(out uint Seconds);
        new void SetNoProgressTimeout(uint Seconds);
        new void GetNoProgressTimeout(out uint Seconds);
        new void GetErrorCount(out uint Errors);
        new void SetProxySettings(BG_JOB_PROXY_USAGE ProxyUsage, [MarshalAs(UnmanagedType.LPWStr)] string ProxyList, [MarshalAs(UnmanagedType.LPWStr)] string ProxyBypassList);
        new void GetProxySettings(out BG_JOB_PROXY_USAGE pProxyUsage, [MarshalAs(UnmanagedType.LPWStr)] out string pProxyList, [MarshalAs(UnmanagedType.LPWStr)] out string pProxyBypassList);
        new void TakeOwnership();

        // IBackgroundCopyJob2 (slots 35–42).
        void SetNotifyCmdLine([MarshalAs(UnmanagedType.LPWStr)] string Program, [MarshalAs(UnmanagedType.LPWStr)] string Parameters);
        void GetNotifyCmdLine([MarshalAs(UnmanagedType.LPWStr)] out string pProgram, [MarshalAs(UnmanagedType.LPWStr)] out string pParameters);
        void GetReplyProgress(ref BG_JOB_REPLY_PROGRESS pProgress);
        [PreserveSig] int GetReplyData(out IntPtr ppBuffer, ref ulong pLength);
        void SetReplyFileName([MarshalAs(UnmanagedType.LPWStr)] string ReplyFileName);
        void GetReplyFileName([MarshalAs(UnmanagedType.LPWStr)] out string pReplyFileName);
        void SetCredentials([In] ref BG_AUTH_CREDENTIALS credentials);
        [PreserveSig] int RemoveCredentials(BG_AUTH_TARGET Target, BG_AUTH_SCHEME Scheme);
    }

    [ComImport, Guid(BitsIds.IID_IEnumBackgroundCopyJobs), InterfaceType(ComInterfaceType.InterfaceIsIUnknown)]
    internal interface IEnumBackgroundCopyJobs
    {
        [PreserveSig] int Next(uint celt, [Out, MarshalAs(UnmanagedType.LPArray, SizeParamIndex = 0)] IBackgroundCopyJob[] rgelt, ref uint pceltFetched);
        [PreserveSig] int Skip(uint celt);
        void Reset();
        void Clone(out IEnumBackgroundCopyJobs ppenum);
        void GetCount(out uint puCount);
    }

    [ComImport, Guid(BitsIds.IID_IBackgroundCopyFile), InterfaceType(ComInterfaceType.InterfaceIsIUnknown)]
    internal interface IBackgroundCopyFile
    {
        void GetRemoteName([MarshalAs(UnmanagedType.LPWStr)] out string pVal);
        void GetLocalName([MarshalAs(UnmanagedType.LPWStr)] out string pVal);
        void GetProgress(out BG_FILE_PROGRESS pVal);
    }

    [ComImport, Guid(BitsIds.IID_IEnumBackgroundCopyFiles), InterfaceType(ComInterfaceType.InterfaceIsIUnknown)]
    internal interface IEnumBackgroundCopyFiles
    {
        [PreserveSig] int Next(uint celt, [Out, MarshalAs(UnmanagedType.LPArray, SizeParamIndex = 0)] IBackgroundCopyFile[] rgelt, ref uint pceltFetched);
        [PreserveSig] int Skip(uint celt);
        void Reset();
        void Clone(out IEnumBackgroundCopyFiles ppenum);
        void GetCount(out uint puCount);
    }

    [ComImport, Guid(BitsIds.IID_IBackgroundCopyError), InterfaceType(ComInterfaceType.InterfaceIsIUnknown)]
    internal interface IBackgroundCopyError
    {
        void GetError(out BG_ERROR_CONTEXT pContext, out int pCode);
        [PreserveSig] int GetFile(out IBackgroundCopyFile pVal);
        void GetErrorDescription(uint LanguageId, [MarshalAs(UnmanagedType.LPWStr)] out string pErrorDescription);
        void GetErrorContextDescription(uint LanguageId, [MarshalAs(UnmanagedType.LPWStr)] out string pContextDescription);
        [PreserveSig] int GetProtocol([MarshalAs(UnmanagedType.LPWStr)] out string pProtocol);
    }

    internal static class Ole32
    {
        [DllImport("ole32.dll", ExactSpelling = true)]
        public static extern int CoCreateInstance(
            [In] ref Guid rclsid, IntPtr pUnkOuter, uint dwClsContext, [In] ref Guid riid,
            [MarshalAs(UnmanagedType.Interface)] out IBackgroundCopyManager ppv);
    }
}
