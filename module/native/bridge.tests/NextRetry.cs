// The snapshot's nextRetryTime, which BITS does not have: the bridge computes it from GetTimes'
// ModificationTime (set when the job entered TRANSIENT_ERROR) + GetMinimumRetryDelay, in
// TRANSIENT_ERROR only; when either getter fails the field is null and `unavailable` says which.
using System;
using System.Collections.Generic;
using Bits.Job2.Bridge.Interop;
using static Bits.Job2.Bridge.Tests.T;
using FILETIME = System.Runtime.InteropServices.ComTypes.FILETIME;

namespace Bits.Job2.Bridge.Tests
{
    internal static class NextRetry
    {
        private static FILETIME Ft(DateTime utc)
        {
            var t = (ulong)utc.ToFileTimeUtc();
            return new FILETIME { dwLowDateTime = unchecked((int)(uint)t), dwHighDateTime = unchecked((int)(uint)(t >> 32)) };
        }

        private static ScriptedJob Waiting(uint delay)
        {
            var job = new ScriptedJob { State = BG_JOB_STATE.BG_JOB_STATE_TRANSIENT_ERROR, RetryDelay = delay };
            job.Times = new BG_JOB_TIMES { CreationTime = Ft(new DateTime(2026, 12, 3, 9, 0, 0, DateTimeKind.Utc)), ModificationTime = Ft(new DateTime(2026, 12, 3, 11, 59, 30, 250, DateTimeKind.Utc)) };
            return job;
        }

        public static void Run()
        {
            Test("snapshot in TRANSIENT_ERROR: nextRetryTime = ModificationTime + MinimumRetryDelay", () =>
            {
                var s = (Dictionary<string, object>)JobOps.Snapshot(Waiting(45));
                Eq("2026-12-03T12:00:15.250Z", s["nextRetryTime"]);
                True(!s.ContainsKey("unavailable"), "nothing unavailable");
            });
            Test("snapshot in TRANSIENT_ERROR with a retry delay of days: no overflow, same rule", () =>
            {
                Eq("2026-12-17T11:59:30.250Z", ((Dictionary<string, object>)JobOps.Snapshot(Waiting(14 * 86400)))["nextRetryTime"]);
            });
            Test("snapshot outside TRANSIENT_ERROR: nextRetryTime null (no retry pending)", () =>
            {
                foreach (var state in new[] { BG_JOB_STATE.BG_JOB_STATE_SUSPENDED, BG_JOB_STATE.BG_JOB_STATE_ERROR, BG_JOB_STATE.BG_JOB_STATE_TRANSFERRING })
                {
                    var job = Waiting(45);
                    job.State = state;
                    var s = (Dictionary<string, object>)JobOps.Snapshot(job);
                    True(s.ContainsKey("nextRetryTime"), "the key is always there");
                    Eq(null, s["nextRetryTime"], state.ToString());
                }
            });
            foreach (var (getter, field) in new[] { ("GetTimes", "times"), ("GetMinimumRetryDelay", "minimumRetryDelay") })
            {
                Test($"snapshot in TRANSIENT_ERROR, {getter} E_NOTIMPL: nextRetryTime null, unavailable for the same reason", () =>
                {
                    var job = Waiting(45);
                    job.Throws[getter] = new NotImplementedException();
                    var s = (Dictionary<string, object>)JobOps.Snapshot(job);
                    Eq(null, s["nextRetryTime"]);
                    var u = (Dictionary<string, object>)s["unavailable"];
                    var why = (Dictionary<string, object>)u["nextRetryTime"];
                    Eq($"IBackgroundCopyJob.{getter}", why["method"]);
                    Eq("E_NOTIMPL", why["name"]);
                    True(u.ContainsKey(field), field + " unavailable too");
                });
            }
        }
    }
}
