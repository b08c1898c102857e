// A managed IBackgroundCopyJob whose methods throw what a test tells them to — the exceptions the
// .NET runtime raises for COM HRESULTs (NotImplementedException for E_NOTIMPL, ...), not only
// COMException — so ComCall's conversion and the snapshot's per-property rule are tested with the
// same exception types the runtime produces against a real BITS (seen first against Wine's).
using System;
using System.Collections.Generic;
using Bits.Job2.Bridge.Interop;
using FILETIME = System.Runtime.InteropServices.ComTypes.FILETIME;

namespace Bits.Job2.Bridge.Tests
{
    internal sealed class ScriptedError : IBackgroundCopyError
    {
        public int Code = unchecked((int)0x80190194);
        public Exception DescriptionFailure;
        public void GetError(out BG_ERROR_CONTEXT pContext, out int pCode) { pContext = BG_ERROR_CONTEXT.BG_ERROR_CONTEXT_REMOTE_FILE; pCode = Code; }
        public int GetFile(out IBackgroundCopyFile pVal) { pVal = null; return HResults.BG_E_FILE_NOT_AVAILABLE; }
        public void GetErrorDescription(uint LanguageId, out string pErrorDescription) { if (DescriptionFailure != null) throw DescriptionFailure; pErrorDescription = "Not found"; }
        public void GetErrorContextDescription(uint LanguageId, out string pContextDescription) { if (DescriptionFailure != null) throw DescriptionFailure; pContextDescription = "remote"; }
        public int GetProtocol(out string pProtocol) { pProtocol = "http"; return 0; }
    }

    internal sealed class ScriptedJob : IBackgroundCopyJob
    {
        /// <summary>Method name → what it throws.</summary>
        public readonly Dictionary<string, Exception> Throws = new Dictionary<string, Exception>();
        public BG_JOB_STATE State = BG_JOB_STATE.BG_JOB_STATE_SUSPENDED;
        public ScriptedError Error = new ScriptedError();

        private void Maybe(string method) { if (Throws.TryGetValue(method, out var e)) throw e; }

        public void AddFileSet(uint cFileCount, BG_FILE_INFO[] pFileSet) => Maybe("AddFileSet");
        public void AddFile(string RemoteUrl, string LocalName) => Maybe("AddFile");
        public void EnumFiles(out IEnumBackgroundCopyFiles pEnum) { Maybe("EnumFiles"); pEnum = null; }
        public void Suspend() => Maybe("Suspend");
        public void Resume() => Maybe("Resume");
        public int Cancel() => 0;
        public int Complete() => 0;
        public void GetId(out Guid pVal) { Maybe("GetId"); pVal = new Guid("11111111-2222-3333-4444-555555555555"); }
        public void GetType(out BG_JOB_TYPE pVal) { Maybe("GetType"); pVal = BG_JOB_TYPE.BG_JOB_TYPE_DOWNLOAD; }
        public void GetProgress(out BG_JOB_PROGRESS pVal) { Maybe("GetProgress"); pVal = new BG_JOB_PROGRESS { BytesTotal = ulong.MaxValue }; }
        public BG_JOB_TIMES Times = new BG_JOB_TIMES { CreationTime = new FILETIME { dwLowDateTime = 1 } };
        public uint RetryDelay = 600;
        public void GetTimes(out BG_JOB_TIMES pVal) { Maybe("GetTimes"); pVal = Times; }
        public void GetState(out BG_JOB_STATE pVal) { Maybe("GetState"); pVal = State; }
        public int GetError(out IBackgroundCopyError ppError) { ppError = Error; return State == BG_JOB_STATE.BG_JOB_STATE_ERROR ? 0 : HResults.BG_E_ERROR_INFORMATION_UNAVAILABLE; }
        public void GetOwner(out string pVal) { Maybe("GetOwner"); pVal = "S-1-5-21-1"; }
        public void SetDisplayName(string Val) => Maybe("SetDisplayName");
        public void GetDisplayName(out string pVal) { Maybe("GetDisplayName"); pVal = "scripted"; }
        public void SetDescription(string Val) => Maybe("SetDescription");
        public void GetDescription(out string pVal) { Maybe("GetDescription"); pVal = ""; }
        public void SetPriority(BG_JOB_PRIORITY Val) => Maybe("SetPriority");
        public void GetPriority(out BG_JOB_PRIORITY pVal) { Maybe("GetPriority"); pVal = BG_JOB_PRIORITY.BG_JOB_PRIORITY_NORMAL; }
        public void SetNotifyFlags(uint Val) => Maybe("SetNotifyFlags");
        public void GetNotifyFlags(out uint pVal) { Maybe("GetNotifyFlags"); pVal = 3; }
        public void SetNotifyInterface(object Val) => Maybe("SetNotifyInterface");
        public void GetNotifyInterface(out object pVal) { Maybe("GetNotifyInterface"); pVal = null; }
        public void SetMinimumRetryDelay(uint Seconds) => Maybe("SetMinimumRetryDelay");
        public void GetMinimumRetryDelay(out uint Seconds) { Maybe("GetMinimumRetryDelay"); Seconds = RetryDelay; }
        public void SetNoProgressTimeout(uint Seconds) => Maybe("SetNoProgressTimeout");
        public void GetNoProgressTimeout(out uint Seconds) { Maybe("GetNoProgressTimeout"); Seconds = 1209600; }
        public void GetErrorCount(out uint Errors) { Maybe("GetErrorCount"); Errors = 0; }
        public void SetProxySettings(BG_JOB_PROXY_USAGE ProxyUsage, string ProxyList, string ProxyBypassList) => Maybe("SetProxySettings");
        public void GetProxySettings(out BG_JOB_PROXY_USAGE pProxyUsage, out string pProxyList, out string pProxyBypassList)
        {
            Maybe("GetProxySettings"); pProxyUsage = BG_JOB_PROXY_USAGE.BG_JOB_PROXY_USAGE_PRECONFIG; pProxyList = null; pProxyBypassList = null;
        }
        public void TakeOwnership() => Maybe("TakeOwnership");
    }
}
