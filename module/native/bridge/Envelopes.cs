// Error envelopes and the JobErrorWire shape (module/api/types.ts, bits-error.ts).
using System;
using System.Collections.Generic;
using Bits.Job2.Bridge.Interop;

namespace Bits.Job2.Bridge
{
    internal static class Envelopes
    {
        public static string ContextName(int context) =>
            Enum.IsDefined(typeof(BG_ERROR_CONTEXT), context)
                ? ((BG_ERROR_CONTEXT)context).ToString().Substring("BG_ERROR_CONTEXT_".Length)
                : context.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>Any exception → { hresult, hresultHex, name?, context, contextName, method, message, jobError?, data? }.</summary>
        public static Dictionary<string, object> Error(Exception e)
        {
            int hr;
            string method;
            JobErrorInfo jobError = null;
            IDictionary<string, object> data = null;
            switch (e)
            {
                case BitsComException b:
                    hr = b.HResult; method = b.Method; jobError = b.JobError; data = b.Payload; break;
                case BridgeArgumentException _:
                    hr = HResults.E_INVALIDARG; method = "Bridge.Invoke"; break;
                default:
                    hr = e.HResult < 0 ? e.HResult : HResults.E_FAIL; method = "Bridge.Invoke"; break;
            }
            var u = Conversions.HResultToUnsigned(hr);
            var context = jobError?.Context ?? 0;
            var o = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["hresult"] = (double)u,
                ["hresultHex"] = Conversions.HResultHex(u),
                ["name"] = HResults.NameOf(hr),
                ["context"] = context,
                ["contextName"] = ContextName(context),
                ["method"] = method,
                ["message"] = e is BitsComException ? e.Message : $"{method}: {e.GetType().Name}: {e.Message}",
            };
            if (jobError != null) o["jobError"] = JobError(jobError);
            if (data != null) o["data"] = data;
            return o;
        }

        /// <summary>JobErrorWire: BitsErrorJSON + contextDescription, protocol, file.</summary>
        public static Dictionary<string, object> JobError(JobErrorInfo info)
        {
            var u = Conversions.HResultToUnsigned(info.HResult);
            var o = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["hresult"] = (double)u,
                ["hresultHex"] = Conversions.HResultHex(u),
                ["name"] = HResults.NameOf(info.HResult),
                ["context"] = info.Context,
                ["contextName"] = ContextName(info.Context),
                ["message"] = (info.Description ?? "").Trim(),
                ["contextDescription"] = (info.ContextDescription ?? "").Trim(),
                ["protocol"] = info.Protocol,
                ["file"] = info.FileRemoteName == null && info.FileLocalName == null
                    ? null
                    : new Dictionary<string, object>(StringComparer.Ordinal) { ["remoteName"] = info.FileRemoteName, ["localName"] = info.FileLocalName },
            };
            if (info.Unavailable != null) o["unavailable"] = info.Unavailable; // message/contextDescription "" and protocol null then
            return o;
        }
    }
}
