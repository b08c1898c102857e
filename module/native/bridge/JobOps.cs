// The job operations of the Backend port, each a sequence of COM calls through ComCall, returning
// the wire shapes of module/api/types.ts (dictionaries, arrays, strings, doubles, ints, bools, null).
using System;
using System.Collections;
using System.Collections.Generic;
using Bits.Job2.Bridge.Interop;

namespace Bits.Job2.Bridge
{
    internal static class JobOps
    {
        private static Dictionary<string, object> Obj() => new Dictionary<string, object>(StringComparer.Ordinal);

        /// <summary>The JobSnapshotWire of a job; properties BITS does not give are null + `unavailable` (SnapshotReader).</summary>
        public static object Snapshot(IBackgroundCopyJob job)
        {
            var r = new SnapshotReader(job);
            var s = Obj();
            s["id"] = Conversions.GuidToString(r.Required("IBackgroundCopyJob.GetId", () => { job.GetId(out var v); return v; }));
            s["displayName"] = r.Optional("displayName", "IBackgroundCopyJob.GetDisplayName", () => { job.GetDisplayName(out var v); return v; }, v => v ?? "");
            s["description"] = r.Optional("description", "IBackgroundCopyJob.GetDescription", () => { job.GetDescription(out var v); return v; }, v => v ?? "");
            var type = r.Required("IBackgroundCopyJob.GetType", () => { job.GetType(out var v); return v; });
            s["type"] = (int)type;
            var state = r.Required("IBackgroundCopyJob.GetState", () => { job.GetState(out var v); return v; });
            s["state"] = (int)state;
            s["priority"] = r.Optional("priority", "IBackgroundCopyJob.GetPriority", () => { job.GetPriority(out var v); return v; }, v => (int)v);
            s["owner"] = r.Optional("owner", "IBackgroundCopyJob.GetOwner", () => { job.GetOwner(out var v); return v; }, v => v ?? "");
            s["progress"] = r.Optional("progress", "IBackgroundCopyJob.GetProgress", () => { job.GetProgress(out var v); return v; }, Progress);
            BG_JOB_TIMES? times = null;
            s["times"] = r.Optional("times", "IBackgroundCopyJob.GetTimes", () => { job.GetTimes(out var v); return v; }, v => { times = v; return Times(v); });
            s["errorCount"] = r.Optional("errorCount", "IBackgroundCopyJob.GetErrorCount", () => { job.GetErrorCount(out var v); return v; }, v => (double)v);
            uint? retryDelay = null;
            s["minimumRetryDelay"] = r.Optional("minimumRetryDelay", "IBackgroundCopyJob.GetMinimumRetryDelay", () => { job.GetMinimumRetryDelay(out var v); return v; }, v => { retryDelay = v; return (double)v; });
            s["noProgressTimeout"] = r.Optional("noProgressTimeout", "IBackgroundCopyJob.GetNoProgressTimeout", () => { job.GetNoProgressTimeout(out var v); return v; }, v => (double)v);
            s["notifyFlags"] = r.Optional("notifyFlags", "IBackgroundCopyJob.GetNotifyFlags", () => { job.GetNotifyFlags(out var v); return v; }, v => (double)v);
            s["proxy"] = r.Optional("proxy", () => GetProxySettings(job));

            var job2 = job as IBackgroundCopyJob2; // null on BITS < 1.5: the 1.5 fields read as "none"
            s["notifyCmdLine"] = job2 != null ? r.Optional("notifyCmdLine", () => GetNotifyCmdLine(job2)) : CmdLine(null, null);
            s["error"] = state == BG_JOB_STATE.BG_JOB_STATE_ERROR || state == BG_JOB_STATE.BG_JOB_STATE_TRANSIENT_ERROR ? r.Optional("error", () => TryGetError(job)) : null;
            var reply = job2 != null && type == BG_JOB_TYPE.BG_JOB_TYPE_UPLOAD_REPLY;
            s["replyProgress"] = reply ? r.Optional("replyProgress", () => GetReplyProgress(job2)) : null;
            s["replyFileName"] = reply ? r.Optional("replyFileName", () => GetReplyFileName(job2)) : null;
            s["nextRetryTime"] = state == BG_JOB_STATE.BG_JOB_STATE_TRANSIENT_ERROR ? NextRetryTime(r, times, retryDelay) : null;
            if (r.Unavailable != null) s["unavailable"] = r.Unavailable;
            return s;
        }

        /// <summary>
        /// BITS has no "next retry" property. A job enters TRANSIENT_ERROR with a state change, which
        /// sets ModificationTime, and retries MinimumRetryDelay later: ModificationTime + delay is when
        /// the next attempt is due. An estimate (BITS may retry sooner, e.g. when the network returns);
        /// null + `unavailable.nextRetryTime` when GetTimes or GetMinimumRetryDelay failed.
        /// </summary>
        internal static object NextRetryTime(SnapshotReader r, BG_JOB_TIMES? times, uint? retryDelay)
        {
            if (times == null || retryDelay == null)
            {
                r.SameAs("nextRetryTime", times == null ? "times" : "minimumRetryDelay");
                return null;
            }
            var t = times.Value.ModificationTime;
            var ticks = ((ulong)(uint)t.dwHighDateTime << 32) | (uint)t.dwLowDateTime;
            if (ticks == 0) return null;
            return Conversions.FileTimeToIso(ticks + (ulong)retryDelay.Value * 10_000_000UL);
        }

        public static object Progress(BG_JOB_PROGRESS p)
        {
            var o = Obj();
            o["bytesTotal"] = Conversions.SizeToNumber(p.BytesTotal);
            o["bytesTransferred"] = (double)p.BytesTransferred;
            o["filesTotal"] = (double)p.FilesTotal;
            o["filesTransferred"] = (double)p.FilesTransferred;
            return o;
        }

        public static object FileProgress(BG_FILE_PROGRESS p)
        {
            var o = Obj();
            o["bytesTotal"] = Conversions.SizeToNumber(p.BytesTotal);
            o["bytesTransferred"] = (double)p.BytesTransferred;
            o["completed"] = p.Completed;
            return o;
        }

        public static object Times(BG_JOB_TIMES t)
        {
            var o = Obj();
            o["creationTime"] = Conversions.FileTimeToIso(t.CreationTime);
            o["modificationTime"] = Conversions.FileTimeToIso(t.ModificationTime);
            o["transferCompletionTime"] = Conversions.FileTimeToIso(t.TransferCompletionTime);
            return o;
        }

        public static object AddFiles(IBackgroundCopyJob job, object files)
        {
            if (!(files is IList list)) throw new BridgeArgumentException("files must be an array of { remoteName, localName }");
            var set = new BG_FILE_INFO[list.Count];
            for (var i = 0; i < set.Length; i++)
            {
                if (!(list[i] is IDictionary<string, object> f)) throw new BridgeArgumentException($"files[{i}] must be an object {{ remoteName, localName }}");
                f.TryGetValue("remoteName", out var remote);
                f.TryGetValue("localName", out var local);
                set[i].RemoteName = Conversions.ToStringArg(remote, $"files[{i}].remoteName");
                set[i].LocalName = Conversions.ToStringArg(local, $"files[{i}].localName");
            }
            ComCall.Run("IBackgroundCopyJob.AddFileSet", () => job.AddFileSet((uint)set.Length, set), job);
            return null;
        }

        public static object ListFiles(IBackgroundCopyJob job)
        {
            var e = ComCall.Run("IBackgroundCopyJob.EnumFiles", () => { job.EnumFiles(out var v); return v; }, job);
            var result = new List<object>();
            var one = new IBackgroundCopyFile[1];
            while (true)
            {
                uint fetched = 0;
                var hr = ComCall.Check(e.Next(1, one, ref fetched), "IEnumBackgroundCopyFiles.Next", job);
                if (hr == HResults.S_FALSE || fetched == 0) break;
                var file = one[0];
                var o = Obj();
                o["remoteName"] = ComCall.Run("IBackgroundCopyFile.GetRemoteName", () => { file.GetRemoteName(out var v); return v; }, job);
                o["localName"] = ComCall.Run("IBackgroundCopyFile.GetLocalName", () => { file.GetLocalName(out var v); return v; }, job);
                o["progress"] = FileProgress(ComCall.Run("IBackgroundCopyFile.GetProgress", () => { file.GetProgress(out var v); return v; }, job));
                result.Add(o);
            }
            return result.ToArray();
        }

        public static object Resume(IBackgroundCopyJob job) { ComCall.Run("IBackgroundCopyJob.Resume", job.Resume, job); return null; }
        public static object Suspend(IBackgroundCopyJob job) { ComCall.Run("IBackgroundCopyJob.Suspend", job.Suspend, job); return null; }
        public static object TakeOwnership(IBackgroundCopyJob job) { ComCall.Run("IBackgroundCopyJob.TakeOwnership", job.TakeOwnership, job); return null; }
        public static object Complete(IBackgroundCopyJob job) => HResultWire(ComCall.Check(job.Complete(), "IBackgroundCopyJob.Complete", job));
        public static object Cancel(IBackgroundCopyJob job) => HResultWire(ComCall.Check(job.Cancel(), "IBackgroundCopyJob.Cancel", job));

        public static object HResultWire(int hr)
        {
            var o = Obj();
            o["hresult"] = (double)Conversions.HResultToUnsigned(hr);
            o["name"] = HResults.NameOf(hr);
            return o;
        }

        public static object GetError(IBackgroundCopyJob job)
        {
            ComCall.Check(job.GetError(out var error), "IBackgroundCopyJob.GetError");
            return Envelopes.JobError(ComCall.ReadError(error));
        }

        private static object TryGetError(IBackgroundCopyJob job)
        {
            var hr = job.GetError(out var error);
            if (hr == HResults.BG_E_ERROR_INFORMATION_UNAVAILABLE) return null; // state changed meanwhile
            ComCall.Check(hr, "IBackgroundCopyJob.GetError");
            return Envelopes.JobError(ComCall.ReadError(error));
        }

        public static object SetProperty(IBackgroundCopyJob job, string name, object value)
        {
            switch (name)
            {
                case "displayName":
                    var dn = Conversions.ToStringArg(value, name);
                    ComCall.Run("IBackgroundCopyJob.SetDisplayName", () => job.SetDisplayName(dn), job); break;
                case "description":
                    var d = Conversions.ToStringArg(value, name);
                    ComCall.Run("IBackgroundCopyJob.SetDescription", () => job.SetDescription(d), job); break;
                case "priority":
                    var p = (BG_JOB_PRIORITY)Conversions.ToInt32(value, name);
                    ComCall.Run("IBackgroundCopyJob.SetPriority", () => job.SetPriority(p), job); break;
                case "minimumRetryDelay":
                    var r = Conversions.ToUInt32(value, name);
                    ComCall.Run("IBackgroundCopyJob.SetMinimumRetryDelay", () => job.SetMinimumRetryDelay(r), job); break;
                case "noProgressTimeout":
                    var t = Conversions.ToUInt32(value, name);
                    ComCall.Run("IBackgroundCopyJob.SetNoProgressTimeout", () => job.SetNoProgressTimeout(t), job); break;
                case "notifyFlags":
                    var f = Conversions.ToUInt32(value, name);
                    ComCall.Run("IBackgroundCopyJob.SetNotifyFlags", () => job.SetNotifyFlags(f), job); break;
                default:
                    throw new BridgeArgumentException($"unknown job property '{name}'");
            }
            return null;
        }

        public static object SetProxySettings(IBackgroundCopyJob job, int usage, string proxyList, string bypassList)
        {
            ComCall.Run("IBackgroundCopyJob.SetProxySettings", () => job.SetProxySettings((BG_JOB_PROXY_USAGE)usage, proxyList, bypassList), job);
            return null;
        }

        public static object GetProxySettings(IBackgroundCopyJob job)
        {
            var o = Obj();
            ComCall.Run("IBackgroundCopyJob.GetProxySettings", () =>
            {
                job.GetProxySettings(out var usage, out var list, out var bypass);
                o["usage"] = (int)usage;
                o["proxyList"] = string.IsNullOrEmpty(list) ? null : list;
                o["bypassList"] = string.IsNullOrEmpty(bypass) ? null : bypass;
            }, job);
            return o;
        }

        public static object SetNotifyCmdLine(IBackgroundCopyJob job, string program, string parameters)
        {
            var job2 = ComCall.AsJob2(job);
            ComCall.Run("IBackgroundCopyJob2.SetNotifyCmdLine", () => job2.SetNotifyCmdLine(program, parameters), job);
            return null;
        }

        public static object GetNotifyCmdLine(IBackgroundCopyJob job)
        {
            var job2 = ComCall.AsJob2(job);
            string program = null, parameters = null;
            ComCall.Run("IBackgroundCopyJob2.GetNotifyCmdLine", () => job2.GetNotifyCmdLine(out program, out parameters), job);
            return CmdLine(program, parameters);
        }

        private static object CmdLine(string program, string parameters)
        {
            var o = Obj();
            o["program"] = program ?? "";
            o["parameters"] = parameters ?? "";
            return o;
        }

        public static object GetReplyProgress(IBackgroundCopyJob job)
        {
            var job2 = ComCall.AsJob2(job);
            var p = new BG_JOB_REPLY_PROGRESS();
            ComCall.Run("IBackgroundCopyJob2.GetReplyProgress", () => job2.GetReplyProgress(ref p), job);
            var o = Obj();
            o["bytesTotal"] = Conversions.SizeToNumber(p.BytesTotal);
            o["bytesTransferred"] = (double)p.BytesTransferred;
            return o;
        }

        /// <summary>byte[] (edge-js: a Buffer). BG_E_TOO_LARGE carries the reply size in error.data.size.</summary>
        public static object GetReplyData(IBackgroundCopyJob job, Action<IntPtr> free = null)
        {
            var job2 = ComCall.AsJob2(job);
            ulong length = 0;
            var hr = job2.GetReplyData(out var buffer, ref length);
            if (hr < 0)
            {
                if (buffer != IntPtr.Zero) (free ?? Conversions.CoTaskMemFree)(buffer);
                IDictionary<string, object> data = null;
                if (hr == HResults.BG_E_TOO_LARGE) data = new Dictionary<string, object> { ["size"] = Conversions.SizeToNumber(length) };
                ComCall.Check(hr, "IBackgroundCopyJob2.GetReplyData", job, data);
            }
            return Conversions.CopyAndFreeReply(buffer, length, free);
        }

        public static object SetReplyFileName(IBackgroundCopyJob job, string replyFileName)
        {
            var job2 = ComCall.AsJob2(job);
            ComCall.Run("IBackgroundCopyJob2.SetReplyFileName", () => job2.SetReplyFileName(replyFileName), job);
            return null;
        }

        public static object GetReplyFileName(IBackgroundCopyJob job)
        {
            var job2 = ComCall.AsJob2(job);
            var name = ComCall.Run("IBackgroundCopyJob2.GetReplyFileName", () => { job2.GetReplyFileName(out var v); return v; }, job);
            return string.IsNullOrEmpty(name) ? null : name;
        }

        public static object SetCredentials(IBackgroundCopyJob job, object credentials)
        {
            if (!(credentials is IDictionary<string, object> c)) throw new BridgeArgumentException("credentials must be an object { target, scheme, userName, password }");
            c.TryGetValue("target", out var target);
            c.TryGetValue("scheme", out var scheme);
            c.TryGetValue("userName", out var user);
            c.TryGetValue("password", out var password);
            var job2 = ComCall.AsJob2(job);
            using (var native = new NativeCredentials(Conversions.ToInt32(target, "target"), Conversions.ToInt32(scheme, "scheme"),
                       Conversions.ToNullableString(user, "userName"), Conversions.ToNullableString(password, "password")))
            {
                ComCall.Run("IBackgroundCopyJob2.SetCredentials", () => job2.SetCredentials(ref native.Value), job);
            }
            return null;
        }

        public static object RemoveCredentials(IBackgroundCopyJob job, int target, int scheme)
        {
            var job2 = ComCall.AsJob2(job);
            return HResultWire(ComCall.Check(job2.RemoveCredentials((BG_AUTH_TARGET)target, (BG_AUTH_SCHEME)scheme), "IBackgroundCopyJob2.RemoveCredentials", job));
        }
    }
}
