// In-memory managed implementations of the BITS interop interfaces, for the edge-js round trip off
// Windows (test/native-roundtrip.test.ts). They honour the basic state rules and return the
// HRESULTs real BITS does for the cases the round trip exercises:
//   * GetJob of an unknown (or cancelled/acknowledged) job → BG_E_NOT_FOUND;
//   * Resume without files → BG_E_EMPTY; operations on a CANCELLED/ACKNOWLEDGED job → BG_E_INVALID_STATE;
//   * RemoveCredentials of credentials never set → S_FALSE;
//   * GetReplyData: E_NOTIMPL on a non-UPLOAD_REPLY job, BG_E_INVALID_STATE before TRANSFERRED,
//     BG_E_TOO_LARGE (with *pLength = the reply size) over 1 MiB, else a CoTaskMemAlloc'ed buffer;
//   * GetError outside ERROR/TRANSIENT_ERROR → BG_E_ERROR_INFORMATION_UNAVAILABLE;
//   * FILETIMEs for the job times (0 = not yet), BG_SIZE_UNKNOWN for sizes not known yet.
// Non-PreserveSig failures are thrown as COMException(message, hr), exactly what the runtime's COM
// interop throws for a failure HRESULT; ComCall maps both the same way.
// Over 400 lines on purpose: one fake COM object graph (manager, job, file, error, enumerators) that is
// read and changed as a whole next to the interop declarations; FakeJob alone is the ~280-line
// IBackgroundCopyJob2 surface, and splitting it by method group would scatter one object's state.
// FakeBridge is the public type edge-js binds: Invoke forwards to `new Bridge(() => manager)`, and
// handles a few test-only operations ("fake.*") that stand in for the server side of a transfer.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using Bits.Job2.Bridge.Interop;
using FILETIME = System.Runtime.InteropServices.ComTypes.FILETIME;

namespace Bits.Job2.Bridge.Fakes
{
    internal static class FakeHr
    {
        public const int S_OK = 0;
        public const int S_FALSE = 1;
        public const int E_NOTIMPL = unchecked((int)0x80004001);
        public const int E_INVALIDARG = unchecked((int)0x80070057);
        public const int BG_E_NOT_FOUND = unchecked((int)0x80200001);
        public const int BG_E_INVALID_STATE = unchecked((int)0x80200002);
        public const int BG_E_EMPTY = unchecked((int)0x80200003);
        public const int BG_E_FILE_NOT_AVAILABLE = unchecked((int)0x80200004);
        public const int BG_E_PROTOCOL_NOT_AVAILABLE = unchecked((int)0x80200005);
        public const int BG_E_ERROR_INFORMATION_UNAVAILABLE = unchecked((int)0x8020000F);
        public const int BG_E_TOO_LARGE = unchecked((int)0x80200020);
        public const ulong ReplyDataMax = 1024 * 1024; // GetReplyData returns at most 1 MiB

        public static Exception Fail(int hr, string message) => new COMException(message, hr);
    }

    internal sealed class FakeManager : IBackgroundCopyManager
    {
        private readonly object gate = new object();
        private readonly List<FakeJob> jobs = new List<FakeJob>();

        public void CreateJob(string DisplayName, BG_JOB_TYPE Type, out Guid pJobId, out IBackgroundCopyJob ppJob)
        {
            if (DisplayName == null) throw FakeHr.Fail(FakeHr.E_INVALIDARG, "DisplayName is NULL");
            if (Type < BG_JOB_TYPE.BG_JOB_TYPE_DOWNLOAD || Type > BG_JOB_TYPE.BG_JOB_TYPE_UPLOAD_REPLY) throw FakeHr.Fail(FakeHr.E_INVALIDARG, "bad job type");
            var job = new FakeJob(this, DisplayName, Type);
            lock (gate) jobs.Add(job);
            pJobId = job.Id;
            ppJob = job;
        }

        public void GetJob(ref Guid jobID, out IBackgroundCopyJob ppJob)
        {
            var id = jobID;
            lock (gate) ppJob = jobs.FirstOrDefault(j => j.Id == id);
            if (ppJob == null) throw FakeHr.Fail(FakeHr.BG_E_NOT_FOUND, "The requested job was not found.");
        }

        public void EnumJobs(uint dwFlags, out IEnumBackgroundCopyJobs ppEnum)
        {
            lock (gate) ppEnum = new FakeJobEnum(jobs.Cast<IBackgroundCopyJob>().ToList());
        }

        public void GetErrorDescription(int hResult, uint LanguageId, out string pErrorDescription)
        {
            pErrorDescription = $"Fake description of 0x{unchecked((uint)hResult):X8} (language {LanguageId}).";
        }

        /// <summary>Cancelled and acknowledged jobs leave the queue.</summary>
        internal void Remove(FakeJob job)
        {
            lock (gate) jobs.Remove(job);
        }

        internal FakeJob Find(Guid id)
        {
            lock (gate) return jobs.FirstOrDefault(j => j.Id == id);
        }
    }

    internal sealed class FakeFile : IBackgroundCopyFile
    {
        public FakeFile(string remote, string local) { Remote = remote; Local = local; }
        public string Remote { get; }
        public string Local { get; }
        public ulong BytesTotal = BitsConstants.BG_SIZE_UNKNOWN;
        public ulong BytesTransferred;
        public bool Completed;

        public void GetRemoteName(out string pVal) => pVal = Remote;
        public void GetLocalName(out string pVal) => pVal = Local;
        public void GetProgress(out BG_FILE_PROGRESS pVal) =>
            pVal = new BG_FILE_PROGRESS { BytesTotal = BytesTotal, BytesTransferred = BytesTransferred, Completed = Completed };
    }

    internal sealed class FakeError : IBackgroundCopyError
    {
        private readonly BG_ERROR_CONTEXT context;
        private readonly int code;
        private readonly FakeFile file;
        private readonly string protocol;

        public FakeError(BG_ERROR_CONTEXT context, int code, FakeFile file, string protocol)
        {
            this.context = context; this.code = code; this.file = file; this.protocol = protocol;
        }

        public void GetError(out BG_ERROR_CONTEXT pContext, out int pCode) { pContext = context; pCode = code; }
        public int GetFile(out IBackgroundCopyFile pVal) { pVal = file; return file == null ? FakeHr.BG_E_FILE_NOT_AVAILABLE : FakeHr.S_OK; }
        public void GetErrorDescription(uint LanguageId, out string pErrorDescription) => pErrorDescription = $"Fake error 0x{unchecked((uint)code):X8}.";
        public void GetErrorContextDescription(uint LanguageId, out string pContextDescription) => pContextDescription = $"Fake context {(int)context}.";
        public int GetProtocol(out string pProtocol) { pProtocol = protocol; return protocol == null ? FakeHr.BG_E_PROTOCOL_NOT_AVAILABLE : FakeHr.S_OK; }
    }

    internal sealed class FakeJob : IBackgroundCopyJob2
    {
        private readonly object gate = new object();
        private readonly FakeManager manager;
        private readonly List<FakeFile> files = new List<FakeFile>();
        private readonly HashSet<(BG_AUTH_TARGET, BG_AUTH_SCHEME)> credentials = new HashSet<(BG_AUTH_TARGET, BG_AUTH_SCHEME)>();
        private string displayName, description = "", proxyList, bypassList, notifyProgram, notifyParameters, replyFileName;
        private BG_JOB_PRIORITY priority = BG_JOB_PRIORITY.BG_JOB_PRIORITY_NORMAL;
        private BG_JOB_PROXY_USAGE proxyUsage = BG_JOB_PROXY_USAGE.BG_JOB_PROXY_USAGE_PRECONFIG;
        private uint notifyFlags = BitsConstants.BG_NOTIFY_JOB_TRANSFERRED | BitsConstants.BG_NOTIFY_JOB_ERROR;
        private uint retryDelay = 600, noProgressTimeout = 1209600, errorCount;
        private long created, modified, transferred;
        private byte[] reply;
        private FakeError error;

        public FakeJob(FakeManager manager, string displayName, BG_JOB_TYPE type)
        {
            this.manager = manager;
            this.displayName = displayName;
            Type = type;
            Id = Guid.NewGuid();
            created = modified = DateTime.UtcNow.ToFileTimeUtc();
        }

        public Guid Id { get; }
        public BG_JOB_TYPE Type { get; }
        public BG_JOB_STATE State { get; private set; } = BG_JOB_STATE.BG_JOB_STATE_SUSPENDED;

        private bool Final => State == BG_JOB_STATE.BG_JOB_STATE_CANCELLED || State == BG_JOB_STATE.BG_JOB_STATE_ACKNOWLEDGED;

        /// <summary>Every change: BG_E_INVALID_STATE once the job is final; bumps the modification time.</summary>
        private void Modify(Action change)
        {
            lock (gate)
            {
                if (Final) throw FakeHr.Fail(FakeHr.BG_E_INVALID_STATE, "The requested action is not allowed in the current job state.");
                change();
                modified = DateTime.UtcNow.ToFileTimeUtc();
            }
        }

        private static FILETIME Ft(long t) => new FILETIME { dwLowDateTime = unchecked((int)(uint)t), dwHighDateTime = (int)(t >> 32) };

        // ---- IBackgroundCopyJob ----
        public void AddFileSet(uint cFileCount, BG_FILE_INFO[] pFileSet)
        {
            if (pFileSet == null || pFileSet.Length < cFileCount) throw FakeHr.Fail(FakeHr.E_INVALIDARG, "pFileSet");
            Modify(() =>
            {
                if (State == BG_JOB_STATE.BG_JOB_STATE_TRANSFERRED) throw FakeHr.Fail(FakeHr.BG_E_INVALID_STATE, "The job is transferred.");
                for (var i = 0; i < cFileCount; i++)
                {
                    if (string.IsNullOrEmpty(pFileSet[i].RemoteName) || string.IsNullOrEmpty(pFileSet[i].LocalName)) throw FakeHr.Fail(FakeHr.E_INVALIDARG, "empty file name");
                }
                for (var i = 0; i < cFileCount; i++) files.Add(new FakeFile(pFileSet[i].RemoteName, pFileSet[i].LocalName));
            });
        }

        public void AddFile(string RemoteUrl, string LocalName) =>
            AddFileSet(1, new[] { new BG_FILE_INFO { RemoteName = RemoteUrl, LocalName = LocalName } });

        public void EnumFiles(out IEnumBackgroundCopyFiles pEnum)
        {
            lock (gate) pEnum = new FakeFileEnum(files.Cast<IBackgroundCopyFile>().ToList());
        }

        public void Suspend() => Modify(() =>
        {
            if (State == BG_JOB_STATE.BG_JOB_STATE_TRANSFERRED) throw FakeHr.Fail(FakeHr.BG_E_INVALID_STATE, "The job is transferred.");
            State = BG_JOB_STATE.BG_JOB_STATE_SUSPENDED;
        });

        public void Resume() => Modify(() =>
        {
            if (files.Count == 0) throw FakeHr.Fail(FakeHr.BG_E_EMPTY, "There are no files attached to this job.");
            if (State == BG_JOB_STATE.BG_JOB_STATE_TRANSFERRED) return;
            State = BG_JOB_STATE.BG_JOB_STATE_QUEUED;
            error = null;
        });

        public int Cancel()
        {
            lock (gate)
            {
                if (Final) return FakeHr.BG_E_INVALID_STATE;
                State = BG_JOB_STATE.BG_JOB_STATE_CANCELLED;
                modified = DateTime.UtcNow.ToFileTimeUtc();
            }
            manager.Remove(this);
            return FakeHr.S_OK;
        }

        public int Complete()
        {
            lock (gate)
            {
                if (State != BG_JOB_STATE.BG_JOB_STATE_TRANSFERRED) return FakeHr.BG_E_INVALID_STATE;
                State = BG_JOB_STATE.BG_JOB_STATE_ACKNOWLEDGED;
                modified = DateTime.UtcNow.ToFileTimeUtc();
            }
            manager.Remove(this);
            return FakeHr.S_OK;
        }

        public void GetId(out Guid pVal) => pVal = Id;
        public void GetType(out BG_JOB_TYPE pVal) => pVal = Type;

        public void GetProgress(out BG_JOB_PROGRESS pVal)
        {
            lock (gate)
            {
                var unknown = files.Any(f => f.BytesTotal == BitsConstants.BG_SIZE_UNKNOWN);
                pVal = new BG_JOB_PROGRESS
                {
                    BytesTotal = unknown ? BitsConstants.BG_SIZE_UNKNOWN : files.Aggregate(0UL, (n, f) => n + f.BytesTotal),
                    BytesTransferred = files.Aggregate(0UL, (n, f) => n + f.BytesTransferred),
                    FilesTotal = (uint)files.Count,
                    FilesTransferred = (uint)files.Count(f => f.Completed),
                };
            }
        }

        public void GetTimes(out BG_JOB_TIMES pVal)
        {
            lock (gate) pVal = new BG_JOB_TIMES { CreationTime = Ft(created), ModificationTime = Ft(modified), TransferCompletionTime = Ft(transferred) };
        }

        public void GetState(out BG_JOB_STATE pVal) => pVal = State;

        public int GetError(out IBackgroundCopyError ppError)
        {
            lock (gate)
            {
                ppError = error;
                return error == null ? FakeHr.BG_E_ERROR_INFORMATION_UNAVAILABLE : FakeHr.S_OK;
            }
        }

        public void GetOwner(out string pVal) => pVal = "S-1-5-21-1004336348-1177238915-682003330-1000";
        public void SetDisplayName(string Val) => Modify(() => displayName = Val ?? throw FakeHr.Fail(FakeHr.E_INVALIDARG, "NULL"));
        public void GetDisplayName(out string pVal) { lock (gate) pVal = displayName; }
        public void SetDescription(string Val) => Modify(() => description = Val ?? throw FakeHr.Fail(FakeHr.E_INVALIDARG, "NULL"));
        public void GetDescription(out string pVal) { lock (gate) pVal = description; }

        public void SetPriority(BG_JOB_PRIORITY Val) => Modify(() =>
        {
            if (Val < BG_JOB_PRIORITY.BG_JOB_PRIORITY_FOREGROUND || Val > BG_JOB_PRIORITY.BG_JOB_PRIORITY_LOW) throw FakeHr.Fail(FakeHr.E_NOTIMPL, "bad priority");
            priority = Val;
        });

        public void GetPriority(out BG_JOB_PRIORITY pVal) { lock (gate) pVal = priority; }

        public void SetNotifyFlags(uint Val) => Modify(() =>
        {
            if ((Val & ~0x3Fu) != 0) throw FakeHr.Fail(FakeHr.E_NOTIMPL, "bad notify flags");
            notifyFlags = Val;
        });

        public void GetNotifyFlags(out uint pVal) { lock (gate) pVal = notifyFlags; }
        public void SetNotifyInterface(object Val) => Modify(() => { });
        public void GetNotifyInterface(out object pVal) => pVal = null;
        public void SetMinimumRetryDelay(uint Seconds) => Modify(() => retryDelay = Seconds);
        public void GetMinimumRetryDelay(out uint Seconds) { lock (gate) Seconds = retryDelay; }
        public void SetNoProgressTimeout(uint Seconds) => Modify(() => noProgressTimeout = Seconds);
        public void GetNoProgressTimeout(out uint Seconds) { lock (gate) Seconds = noProgressTimeout; }
        public void GetErrorCount(out uint Errors) { lock (gate) Errors = errorCount; }

        public void SetProxySettings(BG_JOB_PROXY_USAGE ProxyUsage, string ProxyList, string ProxyBypassList) => Modify(() =>
        {
            if (ProxyUsage < BG_JOB_PROXY_USAGE.BG_JOB_PROXY_USAGE_PRECONFIG || ProxyUsage > BG_JOB_PROXY_USAGE.BG_JOB_PROXY_USAGE_AUTODETECT) throw FakeHr.Fail(FakeHr.E_NOTIMPL, "bad proxy usage");
            var over = ProxyUsage == BG_JOB_PROXY_USAGE.BG_JOB_PROXY_USAGE_OVERRIDE;
            if (over && string.IsNullOrEmpty(ProxyList)) throw FakeHr.Fail(FakeHr.E_INVALIDARG, "OVERRIDE needs a proxy list");
            if (!over && (ProxyList != null || ProxyBypassList != null)) throw FakeHr.Fail(FakeHr.E_INVALIDARG, "lists only with OVERRIDE");
            proxyUsage = ProxyUsage; proxyList = ProxyList; bypassList = ProxyBypassList;
        });

        public void GetProxySettings(out BG_JOB_PROXY_USAGE pProxyUsage, out string pProxyList, out string pProxyBypassList)
        {
            lock (gate) { pProxyUsage = proxyUsage; pProxyList = proxyList; pProxyBypassList = bypassList; }
        }

        public void TakeOwnership() => Modify(() => { });

        // ---- IBackgroundCopyJob2 ----
        public void SetNotifyCmdLine(string Program, string Parameters) => Modify(() => { notifyProgram = Program; notifyParameters = Parameters; });
        public void GetNotifyCmdLine(out string pProgram, out string pParameters) { lock (gate) { pProgram = notifyProgram; pParameters = notifyParameters; } }

        private void RequireReply()
        {
            if (Type != BG_JOB_TYPE.BG_JOB_TYPE_UPLOAD_REPLY) throw FakeHr.Fail(FakeHr.E_NOTIMPL, "The job is not an upload-reply job.");
        }

        public void GetReplyProgress(ref BG_JOB_REPLY_PROGRESS pProgress)
        {
            RequireReply();
            lock (gate)
            {
                pProgress.BytesTotal = reply == null ? BitsConstants.BG_SIZE_UNKNOWN : (ulong)reply.Length;
                pProgress.BytesTransferred = reply == null ? 0 : (ulong)reply.Length;
            }
        }

        public int GetReplyData(out IntPtr ppBuffer, ref ulong pLength)
        {
            ppBuffer = IntPtr.Zero;
            if (Type != BG_JOB_TYPE.BG_JOB_TYPE_UPLOAD_REPLY) return FakeHr.E_NOTIMPL;
            lock (gate)
            {
                if (State != BG_JOB_STATE.BG_JOB_STATE_TRANSFERRED && State != BG_JOB_STATE.BG_JOB_STATE_ACKNOWLEDGED) return FakeHr.BG_E_INVALID_STATE;
                var data = reply ?? new byte[0];
                pLength = (ulong)data.Length;
                if (pLength > FakeHr.ReplyDataMax) return FakeHr.BG_E_TOO_LARGE;
                if (data.Length == 0) return FakeHr.S_OK;
                ppBuffer = Marshal.AllocCoTaskMem(data.Length); // the bridge frees it with CoTaskMemFree
                Marshal.Copy(data, 0, ppBuffer, data.Length);
                return FakeHr.S_OK;
            }
        }

        public void SetReplyFileName(string ReplyFileName)
        {
            RequireReply();
            Modify(() =>
            {
                if (reply != null) throw FakeHr.Fail(FakeHr.BG_E_INVALID_STATE, "The reply download has begun.");
                replyFileName = ReplyFileName;
            });
        }

        public void GetReplyFileName(out string pReplyFileName)
        {
            RequireReply();
            lock (gate) pReplyFileName = replyFileName;
        }

        public void SetCredentials(ref BG_AUTH_CREDENTIALS credentials)
        {
            var target = credentials.Target;
            var scheme = credentials.Scheme;
            if (target < BG_AUTH_TARGET.BG_AUTH_TARGET_SERVER || target > BG_AUTH_TARGET.BG_AUTH_TARGET_PROXY) throw FakeHr.Fail(FakeHr.E_INVALIDARG, "bad target");
            if (scheme < BG_AUTH_SCHEME.BG_AUTH_SCHEME_BASIC || scheme > BG_AUTH_SCHEME.BG_AUTH_SCHEME_PASSPORT) throw FakeHr.Fail(FakeHr.E_INVALIDARG, "bad scheme");
            // Read (and so prove readable) the native strings the bridge passes.
            var user = credentials.Credentials.Basic.UserName == IntPtr.Zero ? null : Marshal.PtrToStringUni(credentials.Credentials.Basic.UserName);
            GC.KeepAlive(user);
            Modify(() => credentials_Add(target, scheme));
        }

        private void credentials_Add(BG_AUTH_TARGET target, BG_AUTH_SCHEME scheme) => credentials.Add((target, scheme));

        public int RemoveCredentials(BG_AUTH_TARGET Target, BG_AUTH_SCHEME Scheme)
        {
            lock (gate)
            {
                if (Final) return FakeHr.BG_E_INVALID_STATE;
                return credentials.Remove((Target, Scheme)) ? FakeHr.S_OK : FakeHr.S_FALSE;
            }
        }

        // ---- test hooks (FakeBridge "fake.*" operations) ----

        /// <summary>The upload and its reply arrived: sizes known, state TRANSFERRED.</summary>
        internal void FinishTransfer(byte[] replyBytes)
        {
            Modify(() =>
            {
                foreach (var f in files) { f.BytesTotal = 1000; f.BytesTransferred = 1000; f.Completed = true; }
                reply = Type == BG_JOB_TYPE.BG_JOB_TYPE_UPLOAD_REPLY ? replyBytes ?? new byte[0] : null;
                State = BG_JOB_STATE.BG_JOB_STATE_TRANSFERRED;
                transferred = DateTime.UtcNow.ToFileTimeUtc();
            });
        }

        /// <summary>A transfer error: state ERROR (or TRANSIENT_ERROR), an IBackgroundCopyError.</summary>
        internal void Fail(int hr, BG_ERROR_CONTEXT context, bool transient, string protocol)
        {
            Modify(() =>
            {
                error = new FakeError(context, hr, files.FirstOrDefault(), protocol);
                errorCount++;
                State = transient ? BG_JOB_STATE.BG_JOB_STATE_TRANSIENT_ERROR : BG_JOB_STATE.BG_JOB_STATE_ERROR;
            });
        }
    }

    internal sealed class FakeEnum<T> where T : class
    {
        private readonly List<T> items;
        private int pos;
        public FakeEnum(List<T> items, int pos = 0) { this.items = items; this.pos = pos; }

        public int Next(uint celt, T[] rgelt, ref uint pceltFetched)
        {
            if (rgelt == null || rgelt.Length < celt) return FakeHr.E_INVALIDARG;
            uint n = 0;
            lock (items)
            {
                while (n < celt && pos < items.Count) rgelt[n++] = items[pos++];
            }
            pceltFetched = n;
            return n == celt ? FakeHr.S_OK : FakeHr.S_FALSE;
        }

        public int Skip(uint celt)
        {
            lock (items)
            {
                var left = items.Count - pos;
                pos += (int)Math.Min(celt, (uint)left);
                return celt <= left ? FakeHr.S_OK : FakeHr.S_FALSE;
            }
        }

        public void Reset() { lock (items) pos = 0; }
        public FakeEnum<T> Clone() { lock (items) return new FakeEnum<T>(items, pos); }
        public uint Count { get { lock (items) return (uint)items.Count; } }
    }

    internal sealed class FakeJobEnum : IEnumBackgroundCopyJobs
    {
        private readonly FakeEnum<IBackgroundCopyJob> e;
        public FakeJobEnum(List<IBackgroundCopyJob> items) : this(new FakeEnum<IBackgroundCopyJob>(items)) { }
        private FakeJobEnum(FakeEnum<IBackgroundCopyJob> e) { this.e = e; }
        public int Next(uint celt, IBackgroundCopyJob[] rgelt, ref uint pceltFetched) => e.Next(celt, rgelt, ref pceltFetched);
        public int Skip(uint celt) => e.Skip(celt);
        public void Reset() => e.Reset();
        public void Clone(out IEnumBackgroundCopyJobs ppenum) => ppenum = new FakeJobEnum(e.Clone());
        public void GetCount(out uint puCount) => puCount = e.Count;
    }

    internal sealed class FakeFileEnum : IEnumBackgroundCopyFiles
    {
        private readonly FakeEnum<IBackgroundCopyFile> e;
        public FakeFileEnum(List<IBackgroundCopyFile> items) : this(new FakeEnum<IBackgroundCopyFile>(items)) { }
        private FakeFileEnum(FakeEnum<IBackgroundCopyFile> e) { this.e = e; }
        public int Next(uint celt, IBackgroundCopyFile[] rgelt, ref uint pceltFetched) => e.Next(celt, rgelt, ref pceltFetched);
        public int Skip(uint celt) => e.Skip(celt);
        public void Reset() => e.Reset();
        public void Clone(out IEnumBackgroundCopyFiles ppenum) => ppenum = new FakeFileEnum(e.Clone());
        public void GetCount(out uint puCount) => puCount = e.Count;
    }

    /// <summary>
    /// The edge-js entry point over the fakes: `edge.func({ assemblyFile: Bits.Job2.Bridge.Fakes.dll,
    /// typeName: 'Bits.Job2.Bridge.Fakes.FakeBridge', methodName: 'Invoke' })`. Every BACKEND_METHODS
    /// operation goes through the real Bridge (dispatch, argument conversion, ComCall, envelopes);
    /// "fake.*" operations drive the fake "server side":
    ///   fake.finishTransfer [jobId, replyLength]  → files transferred, reply of replyLength bytes (byte i = (i * 31 + 7) &amp; 0xFF), TRANSFERRED
    ///   fake.fail [jobId, hresult, context, transient, protocol|null] → ERROR/TRANSIENT_ERROR with an IBackgroundCopyError
    ///   fake.heldJobs []                            → how many job objects the Bridge holds (its pruning is observable)
    /// </summary>
    public sealed class FakeBridge
    {
        private readonly FakeManager manager = new FakeManager();
        private readonly Bridge bridge;

        public FakeBridge()
        {
            bridge = new Bridge(() => manager);
        }

        public async Task<object> Invoke(object input)
        {
            if (input is IDictionary<string, object> env && env.TryGetValue("op", out var op) && op is string name && name.StartsWith("fake.", StringComparison.Ordinal))
            {
                try
                {
                    env.TryGetValue("args", out var a);
                    var args = a is IList list ? list.Cast<object>().ToArray() : new object[0];
                    if (name == "fake.heldJobs") return new Dictionary<string, object> { ["ok"] = true, ["result"] = bridge.HeldJobCount };
                    var job = manager.Find(Guid.Parse((string)args[0])) ?? throw FakeHr.Fail(FakeHr.BG_E_NOT_FOUND, "no such fake job");
                    switch (name)
                    {
                        case "fake.finishTransfer":
                            var n = Convert.ToInt32(args[1]);
                            var bytes = new byte[n];
                            for (var i = 0; i < n; i++) bytes[i] = (byte)((i * 31 + 7) & 0xFF);
                            job.FinishTransfer(bytes);
                            break;
                        case "fake.fail":
                            job.Fail(unchecked((int)Convert.ToUInt32(Convert.ToDouble(args[1]))), (BG_ERROR_CONTEXT)Convert.ToInt32(args[2]),
                                Convert.ToBoolean(args[3]), args.Length > 4 ? args[4] as string : null);
                            break;
                        default:
                            throw new ArgumentException($"unknown fake operation '{name}'");
                    }
                    return new Dictionary<string, object> { ["ok"] = true, ["result"] = null };
                }
                catch (Exception e)
                {
                    return new Dictionary<string, object> { ["ok"] = false, ["error"] = new Dictionary<string, object> { ["hresult"] = (double)unchecked((uint)e.HResult), ["message"] = e.Message } };
                }
            }
            return await bridge.Invoke(input).ConfigureAwait(false);
        }
    }
}
