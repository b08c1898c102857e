// The HRESULTs the bridge names itself: the success codes of Complete/Cancel/RemoveCredentials and
// the failures the bridge raises on its own. Every other code travels as a number; the TS adapter
// names it from module/api/hresult-table.ts (the one table of names).
using System.Collections.Generic;

namespace Bits.Job2.Bridge
{
    internal static class HResults
    {
        public const int S_OK = 0;
        public const int S_FALSE = 1;
        public const int BG_S_PARTIAL_COMPLETE = 0x00200017;
        public const int BG_S_UNABLE_TO_DELETE_FILES = 0x0020001A;
        public const int E_NOTIMPL = unchecked((int)0x80004001);
        public const int E_NOINTERFACE = unchecked((int)0x80004002);
        public const int E_FAIL = unchecked((int)0x80004005);
        public const int E_INVALIDARG = unchecked((int)0x80070057);
        public const int E_ACCESSDENIED = unchecked((int)0x80070005);
        public const int RPC_E_DISCONNECTED = unchecked((int)0x80010108);
        public const int RPC_S_SERVER_UNAVAILABLE = unchecked((int)0x800706BA);
        public const int RPC_S_CALL_FAILED = unchecked((int)0x800706BE);
        public const int REGDB_E_CLASSNOTREG = unchecked((int)0x80040154);
        public const int BG_E_NOT_FOUND = unchecked((int)0x80200001);
        public const int BG_E_FILE_NOT_AVAILABLE = unchecked((int)0x80200004);
        public const int BG_E_PROTOCOL_NOT_AVAILABLE = unchecked((int)0x80200005);
        public const int BG_E_ERROR_INFORMATION_UNAVAILABLE = unchecked((int)0x8020000F);
        public const int BG_E_TOO_LARGE = unchecked((int)0x80200020);

        private static readonly Dictionary<int, string> Names = new Dictionary<int, string>
        {
            [S_OK] = "S_OK",
            [S_FALSE] = "S_FALSE",
            [BG_S_PARTIAL_COMPLETE] = "BG_S_PARTIAL_COMPLETE",
            [BG_S_UNABLE_TO_DELETE_FILES] = "BG_S_UNABLE_TO_DELETE_FILES",
            [E_NOTIMPL] = "E_NOTIMPL",
            [E_NOINTERFACE] = "E_NOINTERFACE",
            [E_FAIL] = "E_FAIL",
            [E_INVALIDARG] = "E_INVALIDARG",
            [E_ACCESSDENIED] = "E_ACCESSDENIED",
            [REGDB_E_CLASSNOTREG] = "REGDB_E_CLASSNOTREG",
            [BG_E_NOT_FOUND] = "BG_E_NOT_FOUND",
            [BG_E_FILE_NOT_AVAILABLE] = "BG_E_FILE_NOT_AVAILABLE",
            [BG_E_PROTOCOL_NOT_AVAILABLE] = "BG_E_PROTOCOL_NOT_AVAILABLE",
            [BG_E_ERROR_INFORMATION_UNAVAILABLE] = "BG_E_ERROR_INFORMATION_UNAVAILABLE",
            [BG_E_TOO_LARGE] = "BG_E_TOO_LARGE",
        };

        /// <summary>The symbolic name, or null when the bridge does not know it.</summary>
        public static string NameOf(int hr) => Names.TryGetValue(hr, out var n) ? n : null;
    }
}
