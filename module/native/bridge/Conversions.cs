// Conversions from BITS values to what edge-js can carry without loss (DESIGN §4 "Numbers and
// times"): edge-js turns UInt64.MaxValue into an imprecise double and unspecified DateTimes into UTC,
// so the bridge converts before edge-js sees anything.
using System;
using System.Globalization;
using System.Runtime.InteropServices;
using FILETIME = System.Runtime.InteropServices.ComTypes.FILETIME;

namespace Bits.Job2.Bridge
{
    internal static class Conversions
    {
        private const ulong SizeUnknown = ulong.MaxValue; // BG_SIZE_UNKNOWN

        /// <summary>FILETIME (100-ns ticks since 1601-01-01 UTC) → "yyyy-MM-ddTHH:mm:ss.fffZ"; 0 → null.</summary>
        public static string FileTimeToIso(FILETIME ft) =>
            FileTimeToIso(((ulong)(uint)ft.dwHighDateTime << 32) | (uint)ft.dwLowDateTime);

        public static string FileTimeToIso(ulong ticks)
        {
            if (ticks == 0) return null;
            var utc = DateTime.FromFileTimeUtc(unchecked((long)ticks));
            // Millisecond precision: what a JS Date holds.
            return utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        }

        /// <summary>A 64-bit byte count → a JS number (double); BG_SIZE_UNKNOWN → null.</summary>
        public static object SizeToNumber(ulong size) => size == SizeUnknown ? null : (object)(double)size;

        /// <summary>A 64-bit byte count → long; BG_SIZE_UNKNOWN → null.</summary>
        public static long? SizeToLong(ulong size) => size == SizeUnknown ? (long?)null : checked((long)size);

        /// <summary>Canonical lower-case GUID without braces ("3f2c9a10-...").</summary>
        public static string GuidToString(Guid id) => id.ToString("D").ToLowerInvariant();

        /// <summary>Parses a job id as the API gives it (with or without braces, any case).</summary>
        public static Guid ParseGuid(string text)
        {
            if (text == null || !Guid.TryParse(text.Trim(), out var id))
                throw new BridgeArgumentException($"not a job id (GUID): '{text}'");
            return id;
        }

        /// <summary>A signed HRESULT as BITS returns it → the unsigned 32-bit value the TS API uses.</summary>
        public static uint HResultToUnsigned(int hr) => unchecked((uint)hr);

        /// <summary>An unsigned HRESULT (as a JS number may carry it) → the signed int COM takes.</summary>
        public static int HResultToSigned(double hr)
        {
            if (hr < int.MinValue || hr > uint.MaxValue || Math.Floor(hr) != hr)
                throw new BridgeArgumentException($"not an HRESULT: {hr}");
            return hr < 0 ? (int)hr : unchecked((int)(uint)hr);
        }

        /// <summary>"0x80200001": the form BitsError.hresultHex uses.</summary>
        public static string HResultHex(uint hr) => "0x" + hr.ToString("X8", CultureInfo.InvariantCulture);

        /// <summary>The default way to free a BITS-allocated buffer (CoTaskMemFree on Windows).</summary>
        public static readonly Action<IntPtr> CoTaskMemFree = Marshal.FreeCoTaskMem;

        /// <summary>
        /// GetReplyData's buffer → byte[]: copies <paramref name="length"/> bytes and frees the buffer
        /// exactly once with <paramref name="free"/> (even when the copy fails). A NULL buffer is not
        /// freed and gives an empty array (BITS returns NULL/0 when the application sent no reply).
        /// </summary>
        public static byte[] CopyAndFreeReply(IntPtr buffer, ulong length, Action<IntPtr> free = null)
        {
            if (buffer == IntPtr.Zero) return new byte[0];
            try
            {
                if (length > int.MaxValue) throw new BridgeArgumentException($"reply buffer too large to copy: {length} bytes");
                var bytes = new byte[(int)length];
                if (length > 0) Marshal.Copy(buffer, bytes, 0, (int)length);
                return bytes;
            }
            finally
            {
                (free ?? CoTaskMemFree)(buffer);
            }
        }

        /// <summary>A number from the edge-js envelope (int, long or double in JS) → uint, range-checked.</summary>
        public static uint ToUInt32(object value, string what)
        {
            var d = ToDouble(value, what);
            if (d < 0 || d > uint.MaxValue || Math.Floor(d) != d) throw new BridgeArgumentException($"{what} must be an integer 0–4294967295, got {d}");
            return (uint)d;
        }

        public static int ToInt32(object value, string what)
        {
            var d = ToDouble(value, what);
            if (d < int.MinValue || d > int.MaxValue || Math.Floor(d) != d) throw new BridgeArgumentException($"{what} must be a 32-bit integer, got {d}");
            return (int)d;
        }

        public static double ToDouble(object value, string what)
        {
            switch (value)
            {
                case int i: return i;
                case long l: return l;
                case double d: return d;
                case uint u: return u;
                case float f: return f;
                case short s: return s;
                case byte b: return b;
                case decimal m: return (double)m;
                default: throw new BridgeArgumentException($"{what} must be a number, got {(value == null ? "null" : value.GetType().Name)}");
            }
        }

        /// <summary>A string or null from the envelope; anything else is an argument error.</summary>
        public static string ToNullableString(object value, string what)
        {
            if (value == null) return null;
            if (value is string s) return s;
            throw new BridgeArgumentException($"{what} must be a string or null, got {value.GetType().Name}");
        }

        public static string ToStringArg(object value, string what) =>
            ToNullableString(value, what) ?? throw new BridgeArgumentException($"{what} must be a string, got null");
    }

    /// <summary>An envelope argument of the wrong shape: becomes E_INVALIDARG in the error envelope.</summary>
    internal sealed class BridgeArgumentException : ArgumentException
    {
        public BridgeArgumentException(string message) : base(message) { }
    }
}
