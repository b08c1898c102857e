// The single edge-js entry point. edge-js calls `Func<object, Task<object>>`:
//   in:  { op: string, args: object[] }            (an IDictionary<string, object> from edge-js)
//   out: { ok: true, result }  or  { ok: false, error: { hresult, hresultHex, name?, context, method, message, ... } }
// Operation names and argument order are those of module/api/operations.ts (the `port` of each operation; BACKEND_METHODS).
// Invoke never throws: every failure becomes the error envelope.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using Bits.Job2.Bridge.Interop;

namespace Bits.Job2.Bridge
{
    public sealed partial class Bridge
    {
        private readonly Func<IBackgroundCopyManager> managerFactory;
        private readonly object gate = new object();
        private IBackgroundCopyManager manager;
        private readonly Dictionary<string, Func<object[], object>> ops;

        /// <summary>What edge-js instantiates: the real BITS manager (created on first use).</summary>
        public Bridge() : this(CreateBitsManager) { }

        /// <summary>For tests: managed implementations of the interop interfaces instead of BITS.</summary>
        internal Bridge(Func<IBackgroundCopyManager> managerFactory)
        {
            this.managerFactory = managerFactory;
            ops = PortOperations(); // Bridge.Operations.g.cs, generated from module/api
        }

        /// <summary>The operation names this bridge dispatches (checked against BACKEND_METHODS by the tests).</summary>
        public static IReadOnlyCollection<string> Operations => new Bridge(() => null).ops.Keys;

        /// <summary>The edge-js entry point.</summary>
        public async Task<object> Invoke(object input)
        {
            try
            {
                var (op, args) = ReadEnvelope(input);
                if (!ops.TryGetValue(op, out var handler))
                    throw new BridgeArgumentException($"unknown operation '{op}'");
                // COM calls are synchronous: run them off the caller's (Node's) thread, in the MTA.
                var result = await Task.Run(() => handler(args)).ConfigureAwait(false);
                return new Dictionary<string, object> { ["ok"] = true, ["result"] = result };
            }
            catch (Exception e)
            {
                return new Dictionary<string, object> { ["ok"] = false, ["error"] = Envelopes.Error(e) };
            }
        }

        private static (string op, object[] args) ReadEnvelope(object input)
        {
            if (!(input is IDictionary<string, object> env))
                throw new BridgeArgumentException("the envelope must be an object { op, args }");
            if (!env.TryGetValue("op", out var opValue) || !(opValue is string op))
                throw new BridgeArgumentException("the envelope has no string 'op'");
            env.TryGetValue("args", out var argsValue);
            object[] args;
            switch (argsValue)
            {
                case null: args = new object[0]; break;
                case object[] arr: args = arr; break;
                case IList list: args = new object[list.Count]; list.CopyTo(args, 0); break;
                default: throw new BridgeArgumentException("'args' must be an array");
            }
            return (op, args);
        }

        internal static object Arg(object[] args, int index, string what) => index < args.Length ? args[index] : null;

        // ---- IBackgroundCopyManager ----

        private IBackgroundCopyManager Manager
        {
            get
            {
                lock (gate)
                {
                    return manager ?? (manager = managerFactory());
                }
            }
        }

        private object CreateJob(string displayName, int typeValue)
        {
            var type = (BG_JOB_TYPE)typeValue;
            var m = Manager;
            IBackgroundCopyJob job = null;
            var id = ComCall.Run("IBackgroundCopyManager.CreateJob", () =>
            {
                m.CreateJob(displayName, type, out var jobId, out job);
                return jobId;
            });
            if (job != null) Hold(id, job);
            return Conversions.GuidToString(id);
        }

        // Job objects this bridge has obtained, by id. BITS keeps a job object usable after the job
        // left the queue (Complete/Cancel), while IBackgroundCopyManager.GetJob no longer finds it. The
        // port asks for exactly that (module/api/port.ts): getJob is the manager's lookup
        // (BG_E_NOT_FOUND for final jobs); every job operation runs on the held object, so a
        // finished job still reads ACKNOWLEDGED/CANCELLED, a second Complete or Cancel is
        // BG_E_INVALID_STATE and the reply stays readable after Complete — as in the portable engine.
        private readonly Dictionary<Guid, IBackgroundCopyJob> held = new Dictionary<Guid, IBackgroundCopyJob>();
        internal const int HeldJobsPruneThreshold = 1024;

        private void Hold(Guid id, IBackgroundCopyJob job)
        {
            lock (held)
            {
                if (held.Count >= HeldJobsPruneThreshold && !held.ContainsKey(id)) PruneFinalJobs();
                held[id] = job;
            }
        }

        /// <summary>Drops held jobs that are final (or no longer answer); called under the lock when the table is full.</summary>
        private void PruneFinalJobs()
        {
            var drop = new List<Guid>();
            foreach (var kv in held)
            {
                try
                {
                    kv.Value.GetState(out var state);
                    if (state == BG_JOB_STATE.BG_JOB_STATE_ACKNOWLEDGED || state == BG_JOB_STATE.BG_JOB_STATE_CANCELLED) drop.Add(kv.Key);
                }
                catch (Exception)
                {
                    drop.Add(kv.Key);
                }
            }
            foreach (var id in drop) held.Remove(id);
        }

        internal int HeldJobCount { get { lock (held) return held.Count; } }

        /// <summary>
        /// The job id argument. A string that is not a GUID names no job: BG_E_NOT_FOUND, as the portable
        /// engine answers (no COM call is made); a non-string is an argument error (E_INVALIDARG).
        /// </summary>
        private static Guid JobId(object[] a)
        {
            var text = Conversions.ToStringArg(Arg(a, 0, "jobId"), "jobId");
            try
            {
                return Conversions.ParseGuid(text);
            }
            catch (BridgeArgumentException)
            {
                throw new BitsComException(HResults.BG_E_NOT_FOUND, "IBackgroundCopyManager.GetJob",
                    $"IBackgroundCopyManager.GetJob failed: 0x80200001 (BG_E_NOT_FOUND): no job has the id '{text}' (not a GUID)");
            }
        }

        /// <summary>IBackgroundCopyManager.GetJob: jobs in the queue only (final jobs: BG_E_NOT_FOUND). Holds what it finds.</summary>
        private IBackgroundCopyJob QueuedJob(object[] a)
        {
            var id = JobId(a);
            var m = Manager;
            var job = ComCall.Run("IBackgroundCopyManager.GetJob", () =>
            {
                m.GetJob(ref id, out var j);
                return j;
            });
            Hold(id, job);
            return job;
        }

        /// <summary>The job object for a job operation: the held one, else the manager's.</summary>
        private IBackgroundCopyJob GetJob(object[] a)
        {
            var id = JobId(a);
            lock (held)
            {
                if (held.TryGetValue(id, out var job)) return job;
            }
            return QueuedJob(a);
        }

        private object ListJobs(object optionsArg)
        {
            var allUsers = false;
            if (optionsArg is IDictionary<string, object> options && options.TryGetValue("allUsers", out var v) && v is bool b) allUsers = b;
            var m = Manager;
            var e = ComCall.Run("IBackgroundCopyManager.EnumJobs", () =>
            {
                m.EnumJobs(allUsers ? BitsConstants.BG_JOB_ENUM_ALL_USERS : 0u, out var en);
                return en;
            });
            var result = new List<object>();
            var one = new IBackgroundCopyJob[1];
            while (true)
            {
                uint fetched = 0;
                var hr = ComCall.Check(e.Next(1, one, ref fetched), "IEnumBackgroundCopyJobs.Next");
                if (hr == HResults.S_FALSE || fetched == 0) break;
                try
                {
                    result.Add(JobOps.Snapshot(one[0]));
                }
                catch (BitsComException ex) when (ex.HResult == HResults.BG_E_NOT_FOUND)
                {
                    // The job left the queue between Next and the reads: skip it.
                }
            }
            return result.ToArray();
        }

        private object GetErrorDescription(int hr)
        {
            var m = Manager;
            return ComCall.Localized("IBackgroundCopyManager.GetErrorDescription", lang => { m.GetErrorDescription(hr, lang, out var s); return s; });
        }

        /// <summary>CoCreateInstance(CLSID_BackgroundCopyManager, CLSCTX_LOCAL_SERVER). Off Windows: REGDB_E_CLASSNOTREG.</summary>
        internal static IBackgroundCopyManager CreateBitsManager()
        {
            var clsid = BitsIds.ClsidBackgroundCopyManager;
            var iid = BitsIds.IidBackgroundCopyManager;
            const string method = "CoCreateInstance(BackgroundCopyManager)";
            int hr;
            IBackgroundCopyManager m;
            try
            {
                hr = Ole32.CoCreateInstance(ref clsid, IntPtr.Zero, BitsIds.CLSCTX_LOCAL_SERVER, ref iid, out m);
            }
            catch (Exception e) when (e is DllNotFoundException || e is EntryPointNotFoundException || e is PlatformNotSupportedException
                                      || e is TypeLoadException || e is MarshalDirectiveException || e is NotSupportedException)
            {
                throw new BitsComException(HResults.REGDB_E_CLASSNOTREG, method,
                    $"BITS is not available on this platform ({RuntimeInformation.OSDescription.Trim()}): the native backend needs Windows "
                    + $"(ole32.dll and the BITS service); use the portable backend (BITS_JOB2_BACKEND=portable). [{e.GetType().Name}: {e.Message}]");
            }
            ComCall.Check(hr, method);
            return m;
        }
    }
}
