// Constants and enumerations of BITS (spec §2.1, §2.2). All enums are 32-bit.
namespace Bits.Job2.Bridge.Interop
{
    internal static class BitsConstants
    {
        public const ulong BG_SIZE_UNKNOWN = ulong.MaxValue;
        public const uint BG_JOB_ENUM_ALL_USERS = 0x0001;
        public const uint BG_NOTIFY_JOB_TRANSFERRED = 0x0001;
        public const uint BG_NOTIFY_JOB_ERROR = 0x0002;
        public const uint BG_NOTIFY_DISABLE = 0x0004;
        public const uint BG_NOTIFY_JOB_MODIFICATION = 0x0008;
        public const uint BG_NOTIFY_FILE_TRANSFERRED = 0x0010;
        public const uint BG_NOTIFY_FILE_RANGES_TRANSFERRED = 0x0020;
    }

    internal enum BG_JOB_STATE
    {
        BG_JOB_STATE_QUEUED = 0,
        BG_JOB_STATE_CONNECTING = 1,
        BG_JOB_STATE_TRANSFERRING = 2,
        BG_JOB_STATE_SUSPENDED = 3,
        BG_JOB_STATE_ERROR = 4,
        BG_JOB_STATE_TRANSIENT_ERROR = 5,
        BG_JOB_STATE_TRANSFERRED = 6,
        BG_JOB_STATE_ACKNOWLEDGED = 7,
        BG_JOB_STATE_CANCELLED = 8,
    }

    internal enum BG_JOB_PRIORITY
    {
        BG_JOB_PRIORITY_FOREGROUND = 0,
        BG_JOB_PRIORITY_HIGH = 1,
        BG_JOB_PRIORITY_NORMAL = 2,
        BG_JOB_PRIORITY_LOW = 3,
    }

    internal enum BG_JOB_TYPE
    {
        BG_JOB_TYPE_DOWNLOAD = 0,
        BG_JOB_TYPE_UPLOAD = 1,
        BG_JOB_TYPE_UPLOAD_REPLY = 2,
    }

    internal enum BG_JOB_PROXY_USAGE
    {
        BG_JOB_PROXY_USAGE_PRECONFIG = 0,
        BG_JOB_PROXY_USAGE_NO_PROXY = 1,
        BG_JOB_PROXY_USAGE_OVERRIDE = 2,
        BG_JOB_PROXY_USAGE_AUTODETECT = 3,
    }

    internal enum BG_ERROR_CONTEXT
    {
        BG_ERROR_CONTEXT_NONE = 0,
        BG_ERROR_CONTEXT_UNKNOWN = 1,
        BG_ERROR_CONTEXT_GENERAL_QUEUE_MANAGER = 2,
        BG_ERROR_CONTEXT_QUEUE_MANAGER_NOTIFICATION = 3,
        BG_ERROR_CONTEXT_LOCAL_FILE = 4,
        BG_ERROR_CONTEXT_REMOTE_FILE = 5,
        BG_ERROR_CONTEXT_GENERAL_TRANSPORT = 6,
        BG_ERROR_CONTEXT_REMOTE_APPLICATION = 7,
        BG_ERROR_CONTEXT_SERVER_CERTIFICATE_CALLBACK = 8,
    }

    internal enum BG_AUTH_TARGET
    {
        BG_AUTH_TARGET_SERVER = 1,
        BG_AUTH_TARGET_PROXY = 2,
    }

    internal enum BG_AUTH_SCHEME
    {
        BG_AUTH_SCHEME_BASIC = 1,
        BG_AUTH_SCHEME_DIGEST = 2,
        BG_AUTH_SCHEME_NTLM = 3,
        BG_AUTH_SCHEME_NEGOTIATE = 4,
        BG_AUTH_SCHEME_PASSPORT = 5,
    }
}
