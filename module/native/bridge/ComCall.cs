// The one helper every COM call goes through. A failure HRESULT (returned by a [PreserveSig]
// method, or thrown by the runtime for the others) becomes a BitsComException that carries the
// unsigned HRESULT, the method, and — when the job is in ERROR or TRANSIENT_ERROR — the job's
// IBackgroundCopyError (context, description, protocol, file). Bridge turns it into the error
// envelope. The runtime does not always throw COMException: it maps well-known HRESULTs to other
// exception types (E_NOTIMPL → NotImplementedException, E_INVALIDARG → ArgumentException,
// E_ACCESSDENIED → UnauthorizedAccessException, 0x80070002 → FileNotFoundException, 0x800703E6 →
// BadImageFormatException, ...), each with the HRESULT in Exception.HResult — so Run converts any
// exception by its HResult (found against Wine's BITS, which answers E_NOTIMPL for its stubs).
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using Bits.Job2.Bridge.Interop;

namespace Bits.Job2.Bridge
{
    /// <summary>What IBackgroundCopyError says about a job's error (also the getError result).</summary>
    internal sealed class JobErrorInfo
    {
        public int HResult;
        public int Context;
        public string Description;
        public string ContextDescription;
        public string Protocol;           // null: BG_E_PROTOCOL_NOT_AVAILABLE
        public string FileRemoteName;     // both null: BG_E_FILE_NOT_AVAILABLE
        public string FileLocalName;
        /// <summary>Texts BITS did not give (Wine: 0x800706F4 from the descriptions and GetProtocol) → "" / null + this entry.</summary>
        public Dictionary<string, object> Unavailable;
    }

    internal sealed class BitsComException : Exception
    {
        public BitsComException(int hr, string method, string message, JobErrorInfo jobError = null, IDictionary<string, object> data = null)
            : base(message)
        {
            HResult = hr;
            Method = method;
            JobError = jobError;
            Payload = data;
        }

        public string Method { get; }
        public JobErrorInfo JobError { get; }
        public IDictionary<string, object> Payload { get; }
        public uint UnsignedHResult => Conversions.HResultToUnsigned(HResult);
    }

    internal static class ComCall
    {
        /// <summary>Returns a success HRESULT unchanged (S_FALSE, BG_S_* included); throws on failure.</summary>
        public static int Check(int hr, string method, IBackgroundCopyJob job = null, IDictionary<string, object> data = null)
        {
            if (hr >= 0) return hr;
            throw Failure(hr, method, job, null, data);
        }

        /// <summary>Runs a non-PreserveSig COM call; any exception the call throws becomes a BitsComException by its HResult.</summary>
        public static void Run(string method, Action call, IBackgroundCopyJob job = null)
        {
            Run<object>(method, () => { call(); return null; }, job);
        }

        public static T Run<T>(string method, Func<T> call, IBackgroundCopyJob job = null)
        {
            try
            {
                return call();
            }
            catch (BitsComException)
            {
                throw;
            }
            catch (BridgeArgumentException)
            {
                throw; // our own argument check inside the call (E_INVALIDARG, method Bridge.Invoke)
            }
            catch (Exception e)
            {
                throw Failure(HResultOf(e), method, job, Detail(e), null);
            }
        }

        /// <summary>The HRESULT an exception of a COM call carries (COMException.ErrorCode is HResult); E_FAIL if it carries none.</summary>
        internal static int HResultOf(Exception e) => e.HResult < 0 ? e.HResult : HResults.E_FAIL;

        /// <summary>The runtime's message, naming the .NET type when it is not COMException (it tells how the HRESULT arrived).</summary>
        private static string Detail(Exception e) => e is COMException ? e.Message : $"{e.Message} [{e.GetType().Name}]";

        /// <summary>QueryInterface for IBackgroundCopyJob2 (E_NOINTERFACE on BITS &lt; 1.5).</summary>
        public static IBackgroundCopyJob2 AsJob2(IBackgroundCopyJob job)
        {
            if (job is IBackgroundCopyJob2 job2) return job2;
            throw Failure(HResults.E_NOINTERFACE, "QueryInterface(IBackgroundCopyJob2)", null, "IBackgroundCopyJob2 needs BITS 1.5 or later", null);
        }

        internal static BitsComException Failure(int hr, string method, IBackgroundCopyJob job, string detail, IDictionary<string, object> data)
        {
            var jobError = job == null ? null : TryJobError(job);
            var name = HResults.NameOf(hr);
            var message = $"{method} failed: {Conversions.HResultHex(Conversions.HResultToUnsigned(hr))}"
                + (name != null ? $" ({name})" : "")
                + (string.IsNullOrEmpty(detail) ? "" : $": {detail.Trim()}");
            return new BitsComException(hr, method, message, jobError, data);
        }

        /// <summary>The job's IBackgroundCopyError when it is in ERROR or TRANSIENT_ERROR; best effort, never throws.</summary>
        private static JobErrorInfo TryJobError(IBackgroundCopyJob job)
        {
            try
            {
                job.GetState(out var state);
                if (state != BG_JOB_STATE.BG_JOB_STATE_ERROR && state != BG_JOB_STATE.BG_JOB_STATE_TRANSIENT_ERROR) return null;
                if (job.GetError(out var error) < 0 || error == null) return null;
                return ReadError(error);
            }
            catch (Exception)
            {
                return null;
            }
        }

        /// <summary>Reads an IBackgroundCopyError (calls go through Run/Check; the normal "not available" codes give null).</summary>
        public static JobErrorInfo ReadError(IBackgroundCopyError error)
        {
            var info = new JobErrorInfo();
            Run("IBackgroundCopyError.GetError", () =>
            {
                error.GetError(out var context, out var code);
                info.Context = (int)context;
                info.HResult = code;
            });
            info.Description = Optional(info, "message", () => Localized("IBackgroundCopyError.GetErrorDescription", lang => { error.GetErrorDescription(lang, out var s); return s; }));
            info.ContextDescription = Optional(info, "contextDescription", () => Localized("IBackgroundCopyError.GetErrorContextDescription", lang => { error.GetErrorContextDescription(lang, out var s); return s; }));

            var hr = error.GetProtocol(out var protocol);
            info.Protocol = hr == HResults.BG_E_PROTOCOL_NOT_AVAILABLE ? null : Optional(info, "protocol", () => Check(hr, "IBackgroundCopyError.GetProtocol") >= 0 ? protocol : null);

            hr = error.GetFile(out var file);
            if (hr != HResults.BG_E_FILE_NOT_AVAILABLE && Check(hr, "IBackgroundCopyError.GetFile") >= 0 && file != null)
            {
                info.FileRemoteName = Run("IBackgroundCopyFile.GetRemoteName", () => { file.GetRemoteName(out var s); return s; });
                info.FileLocalName = Run("IBackgroundCopyFile.GetLocalName", () => { file.GetLocalName(out var s); return s; });
            }
            return info;
        }

        /// <summary>A text of the error that may be missing: null and an `unavailable` entry, unless the job itself failed.</summary>
        private static string Optional(JobErrorInfo info, string field, Func<string> read)
        {
            try
            {
                return read();
            }
            catch (BitsComException e) when (!SnapshotReader.IsFailureOfTheJob(e.HResult))
            {
                SnapshotReader.Record(ref info.Unavailable, field, e);
                return null;
            }
        }

        /// <summary>The LANGID of the current UI culture, then LANG_NEUTRAL (0) if BITS refuses it.</summary>
        public static string Localized(string method, Func<uint, string> call)
        {
            var lang = (uint)(CultureInfo.CurrentUICulture.LCID & 0xFFFF);
            try
            {
                return Run(method, () => call(lang));
            }
            catch (BitsComException) when (lang != 0)
            {
                return Run(method, () => call(0));
            }
        }
    }
}
