// ComCall converts every failure of a COM call by its HRESULT, whatever .NET exception carries it
// (the runtime maps E_NOTIMPL → NotImplementedException, E_INVALIDARG → ArgumentException,
// E_ACCESSDENIED → UnauthorizedAccessException, 0x80070002 → FileNotFoundException, E_OUTOFMEMORY →
// OutOfMemoryException, 0x800703E6 → BadImageFormatException, the rest → COMException), naming the
// COM method and, for a job in ERROR, carrying the job's error. And a snapshot survives a getter
// that fails for that one property, but not a failure of the job itself.
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using Bits.Job2.Bridge.Interop;
using static Bits.Job2.Bridge.Tests.T;

namespace Bits.Job2.Bridge.Tests
{
    internal static class ExceptionMapping
    {
        private static Exception WithHResult(Exception e, int hr) { e.HResult = hr; return e; }

        /// <summary>What Marshal.GetExceptionForHR gives for each code: the runtime's own mapping, not our guess.</summary>
        private static readonly (string name, int hr)[] Codes =
        {
            ("E_NOTIMPL", unchecked((int)0x80004001)),
            ("E_INVALIDARG", unchecked((int)0x80070057)),
            ("E_ACCESSDENIED", unchecked((int)0x80070005)),
            ("ERROR_FILE_NOT_FOUND", unchecked((int)0x80070002)),
            ("E_OUTOFMEMORY", unchecked((int)0x8007000E)),
            ("ERROR_NOACCESS", unchecked((int)0x800703E6)),
            ("E_POINTER", unchecked((int)0x80004003)),
            ("BG_E_INVALID_STATE", unchecked((int)0x80200006)),
        };

        public static void Run()
        {
            Console.WriteLine("ComCall: every exception type converted by its HRESULT; snapshots on a partial BITS");
            foreach (var (name, hr) in Codes)
            {
                var thrown = Marshal.GetExceptionForHR(hr);
                Test($"{name}: the runtime throws {thrown.GetType().Name}; ComCall gives HRESULT 0x{hr:X8}, the method and the type", () =>
                {
                    var job = new ScriptedJob();
                    job.Throws["GetTimes"] = thrown;
                    var e = Catch(() => ComCall.Run("IBackgroundCopyJob.GetTimes", () => { job.GetTimes(out var t); return t; }, job));
                    Eq(hr, e.HResult, "HResult");
                    Eq("IBackgroundCopyJob.GetTimes", e.Method, "method");
                    True(e.Message.StartsWith($"IBackgroundCopyJob.GetTimes failed: 0x{hr:X8}"), e.Message);
                    if (!(thrown is COMException)) True(e.Message.Contains(thrown.GetType().Name), e.Message);
                    Eq(null, e.JobError, "no job error (SUSPENDED)");
                });
            }
            Test("FileNotFoundException / UnauthorizedAccessException built by hand (HResult set) convert the same way", () =>
            {
                Eq(unchecked((int)0x80070002), Catch(() => ComCall.Run("M", () => throw new FileNotFoundException("x"))).HResult);
                Eq(unchecked((int)0x80070005), Catch(() => ComCall.Run("M", () => throw new UnauthorizedAccessException("x"))).HResult);
                Eq(unchecked((int)0x80070057), Catch(() => ComCall.Run("M", () => throw new ArgumentException("x"))).HResult);
                Eq(unchecked((int)0x80004001), Catch(() => ComCall.Run("M", () => throw new NotImplementedException())).HResult);
                Eq(HResults.E_FAIL, Catch(() => ComCall.Run("M", () => throw WithHResult(new Exception("no code"), 0))).HResult, "no HRESULT → E_FAIL");
            });
            Test("a job in ERROR: a NotImplementedException carries the job's error (context, code, description)", () =>
            {
                var job = new ScriptedJob { State = BG_JOB_STATE.BG_JOB_STATE_ERROR };
                job.Throws["Suspend"] = new NotImplementedException();
                var e = Catch(() => ComCall.Run("IBackgroundCopyJob.Suspend", job.Suspend, job));
                Eq(HResults.E_NOTIMPL, e.HResult);
                Eq(unchecked((int)0x80190194), e.JobError?.HResult, "job error code");
                Eq((int)BG_ERROR_CONTEXT.BG_ERROR_CONTEXT_REMOTE_FILE, e.JobError?.Context, "context");
                Eq("Not found", e.JobError?.Description);
            });
            Test("a job error whose descriptions fail (Wine: 0x800706F4) still reads: texts null, `unavailable` says why", () =>
            {
                var job = new ScriptedJob { State = BG_JOB_STATE.BG_JOB_STATE_ERROR };
                job.Error.DescriptionFailure = Marshal.GetExceptionForHR(unchecked((int)0x800706F4));
                var wire = (Dictionary<string, object>)JobOps.GetError(job);
                Eq((double)0x80190194u, wire["hresult"]);
                Eq("", wire["message"]);
                var u = (Dictionary<string, object>)wire["unavailable"];
                Eq((double)0x800706F4u, ((Dictionary<string, object>)u["message"])["hresult"]);
                Eq("IBackgroundCopyError.GetErrorDescription", ((Dictionary<string, object>)u["message"])["method"]);
                True(u.ContainsKey("contextDescription"), "contextDescription recorded");
            });
            Test("snapshot: GetTimes/GetOwner/GetPriority E_NOTIMPL → those fields null + unavailable; the rest read", () =>
            {
                var job = new ScriptedJob();
                foreach (var m in new[] { "GetTimes", "GetOwner", "GetPriority" }) job.Throws[m] = new NotImplementedException();
                var s = (Dictionary<string, object>)JobOps.Snapshot(job);
                Eq(null, s["times"]); Eq(null, s["owner"]); Eq(null, s["priority"]);
                Eq("scripted", s["displayName"]); Eq(600d, s["minimumRetryDelay"]);
                var u = (Dictionary<string, object>)s["unavailable"];
                Eq(3, u.Count, "three unavailable");
                var t = (Dictionary<string, object>)u["times"];
                Eq((double)0x80004001u, t["hresult"]); Eq("0x80004001", t["hresultHex"]); Eq("E_NOTIMPL", t["name"]); Eq("IBackgroundCopyJob.GetTimes", t["method"]);
            });
            Test("snapshot: every property read → no `unavailable` key (the portable engine's shape)", () =>
            {
                True(!((Dictionary<string, object>)JobOps.Snapshot(new ScriptedJob())).ContainsKey("unavailable"), "unexpected unavailable");
            });
            foreach (var (method, ex, hr) in new (string, Exception, int)[]
            {
                ("GetState", new NotImplementedException(), HResults.E_NOTIMPL),
                ("GetId", new COMException("gone", HResults.BG_E_NOT_FOUND), HResults.BG_E_NOT_FOUND),
                ("GetOwner", new UnauthorizedAccessException(), HResults.E_ACCESSDENIED),
                ("GetTimes", new COMException("not found", HResults.BG_E_NOT_FOUND), HResults.BG_E_NOT_FOUND),
            })
                Test($"snapshot: {ex.GetType().Name} from {method} is a failure of the job: the snapshot fails with 0x{hr:X8}", () =>
                {
                    var job = new ScriptedJob();
                    job.Throws[method] = ex;
                    var e = Catch(() => JobOps.Snapshot(job));
                    Eq(hr, e.HResult);
                    Eq($"IBackgroundCopyJob.{method}", e.Method);
                });
        }

        private static BitsComException Catch(Func<object> call)
        {
            try { call(); }
            catch (BitsComException e) { return e; }
            throw new Exception("expected a BitsComException");
        }

        private static BitsComException Catch(Action call) => Catch(() => { call(); return null; });
    }
}
