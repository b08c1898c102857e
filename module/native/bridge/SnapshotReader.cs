// Reads one job snapshot property by property, so that one getter a BITS implementation does not
// provide (Wine's qmgr answers E_NOTIMPL for GetTimes, GetOwner, GetPriority, ...; a future BITS may
// refuse another) does not make the whole job unreadable — listing jobs must work on any BITS.
// The rule (module/native/README.md, "Snapshots on a partial BITS"):
//   * id, type and state are the job: if one of them cannot be read, the snapshot fails.
//   * any other property whose getter fails is null in the snapshot, and `unavailable[field]` records
//     why ({ hresult, hresultHex, name, method }) — unless the failure is about the job itself
//     (BG_E_NOT_FOUND, E_ACCESSDENIED, the server gone): that fails the snapshot like the above.
// The portable engine never omits a property, so its snapshots have no `unavailable` key.
using System;
using System.Collections.Generic;
using Bits.Job2.Bridge.Interop;

namespace Bits.Job2.Bridge
{
    internal sealed class SnapshotReader
    {
        private readonly IBackgroundCopyJob job;
        private Dictionary<string, object> unavailable;

        public SnapshotReader(IBackgroundCopyJob job) { this.job = job; }

        /// <summary>The `unavailable` map of the snapshot, or null when every property was read.</summary>
        public Dictionary<string, object> Unavailable => unavailable;

        /// <summary>A property that must be read: a failure fails the snapshot.</summary>
        public T Required<T>(string method, Func<T> get) => ComCall.Run(method, get, job);

        /// <summary>A property that may be missing: on a per-property failure, null and an `unavailable` entry.</summary>
        public object Optional<T>(string field, string method, Func<T> get, Func<T, object> wire)
        {
            try
            {
                return wire(ComCall.Run(method, get, job));
            }
            catch (BitsComException e) when (!IsFailureOfTheJob(e.HResult))
            {
                Record(field, e);
                return null;
            }
        }

        /// <summary>A property read by a helper that throws BitsComException itself (proxy, notify command line, reply, error).</summary>
        public object Optional(string field, Func<object> read)
        {
            try
            {
                return read();
            }
            catch (BitsComException e) when (!IsFailureOfTheJob(e.HResult))
            {
                Record(field, e);
                return null;
            }
        }

        private void Record(string field, BitsComException e) => Record(ref unavailable, field, e);

        /// <summary>A field computed from another that BITS did not give: unavailable for the same reason.</summary>
        public void SameAs(string field, string source)
        {
            if (unavailable != null && unavailable.TryGetValue(source, out var why)) unavailable[field] = why;
        }

        /// <summary>Adds `field: { hresult, hresultHex, name, method }` to an `unavailable` map (created on first use).</summary>
        internal static void Record(ref Dictionary<string, object> map, string field, BitsComException e)
        {
            var u = e.UnsignedHResult;
            (map ?? (map = new Dictionary<string, object>(StringComparer.Ordinal)))[field] = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["hresult"] = (double)u,
                ["hresultHex"] = Conversions.HResultHex(u),
                ["name"] = HResults.NameOf(e.HResult),
                ["method"] = e.Method,
            };
        }

        /// <summary>Failures that say the job (or the server) is gone or not ours, not that one property is missing.</summary>
        internal static bool IsFailureOfTheJob(int hr) =>
            hr == HResults.BG_E_NOT_FOUND || hr == HResults.E_ACCESSDENIED
            || hr == HResults.RPC_E_DISCONNECTED || hr == HResults.RPC_S_SERVER_UNAVAILABLE || hr == HResults.RPC_S_CALL_FAILED;
    }
}
