// Kerberos for the portable engine through MIT GSSAPI, SPNEGO restricted to the krb5 mechanism
// (RFC 4559's Negotiate tokens). Our own add-on rather than npm's `kerberos` package because
// that package's Unix side only takes tickets from the process's default cache: it cannot
// acquire a ticket from a password (SetCredentials' explicit credentials) without writing a
// cache file and pointing the whole process at it. Here:
//   acquire({ccache}) or acquire({principal, password}) -> Promise<credential>
//     The first uses a ticket cache (the job owner's kinit). The second asks the KDC for a TGT
//     (krb5_get_init_creds_password) into a MEMORY ccache private to this process, which
//     release() destroys: the user's own cache is never touched, nothing reaches a disk.
//   step(credential, "HTTP@host", inputToken|null, context) -> Promise<{token, complete}>
//     One gss_init_sec_context call, mutual authentication requested.
//   newContext() / cacheInfo(ccache|null) / release(credential)
// Network work (AS and TGS requests to the KDC) runs on libuv's thread pool: never on the event
// loop the service's other jobs share. Errors reject with {code (krb5 error code when known),
// major, what, message}; the password is copied once, wiped after use, and never in a message.
// Over 400 lines on purpose: one translation unit is what binding.gyp builds, and the N-API
// plumbing (argument, promise and finalizer boilerplate) is most of it; split, each part would
// need the same shared structs in a header for no gain in clarity.
#define NAPI_VERSION 8
#include <node_api.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static gss_OID_desc SPNEGO_OID = {6, (void *)"\x2b\x06\x01\x05\x05\x02"};
static gss_OID_desc KRB5_OID = {9, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"};

typedef struct {
  gss_cred_id_t cred;
  krb5_context kctx;    /* only for a MEMORY ccache we own */
  krb5_ccache memory;   /* destroyed by release() or the finalizer */
  char ccname[300];     /* TYPE:name, for the service-ticket request of a first step */
  int steps;            /* steps running on the thread pool: release() waits for them */
  int released;
} credential;

typedef struct {
  gss_ctx_id_t ctx;
} context;

typedef struct {
  long code;
  unsigned major;
  char what[300];      /* what failed: a principal, a cache, a target */
  char message[512];   /* the library's words */
} failure;

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "bits_gssapi: N-API call failed"); return NULL; } } while (0)

static void wipe(char *s) {
  if (s) { volatile char *p = s; while (*p) *p++ = 0; free(s); }
}

static void krb5_fail(failure *f, krb5_context k, krb5_error_code code, const char *what) {
  const char *m = k ? krb5_get_error_message(k, code) : "unknown error";
  f->code = code;
  f->major = 0;
  snprintf(f->what, sizeof f->what, "%s", what);
  snprintf(f->message, sizeof f->message, "%s", m ? m : "unknown error");
  if (k) krb5_free_error_message(k, m);
}

static void gss_fail(failure *f, OM_uint32 major, OM_uint32 minor, const char *what) {
  OM_uint32 ms, ctx = 0;
  gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
  size_t n = 0;
  f->major = major;
  f->code = (krb5_error_code)minor;
  snprintf(f->what, sizeof f->what, "%s", what);
  f->message[0] = 0;
  for (int pass = 0; pass < 2; pass++) {
    OM_uint32 status = pass ? minor : GSS_ROUTINE_ERROR(major) | GSS_CALLING_ERROR(major);
    if (!status) continue;
    ctx = 0;
    do {
      if (GSS_ERROR(gss_display_status(&ms, status, pass ? GSS_C_MECH_CODE : GSS_C_GSS_CODE, GSS_C_NO_OID, &ctx, &text))) break;
      if (n < sizeof f->message && !(pass && text.length == 13 && !memcmp(text.value, "Unknown error", 13)))
        n += (size_t)snprintf(f->message + n, sizeof f->message - n, "%s%.*s", n ? "; " : "", (int)text.length, (char *)text.value);
      gss_release_buffer(&ms, &text);
    } while (ctx != 0);
  }
  if (!f->message[0]) snprintf(f->message, sizeof f->message, "GSSAPI major status 0x%x", major);
}

static char *string_arg(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) return NULL;
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = calloc(len + 1, 1);
  if (s) napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

static char *prop(napi_env env, napi_value obj, const char *name) {
  napi_value v;
  bool has = false;
  if (napi_has_named_property(env, obj, name, &has) != napi_ok || !has) return NULL;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok) return NULL;
  return string_arg(env, v);
}

static napi_value reject_value(napi_env env, const failure *f) {
  napi_value msg, err, code, major, what;
  napi_create_string_utf8(env, f->message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &err);
  napi_create_string_utf8(env, f->what, NAPI_AUTO_LENGTH, &what);
  napi_set_named_property(env, err, "what", what);
  napi_create_int64(env, f->code, &code);
  napi_create_uint32(env, f->major, &major);
  napi_set_named_property(env, err, "code", code);
  napi_set_named_property(env, err, "major", major);
  return err;
}

static void set_num(napi_env env, napi_value o, const char *name, double v) {
  napi_value x;
  napi_create_double(env, v, &x);
  napi_set_named_property(env, o, name, x);
}

static void set_str(napi_env env, napi_value o, const char *name, const char *v) {
  napi_value x;
  napi_create_string_utf8(env, v, NAPI_AUTO_LENGTH, &x);
  napi_set_named_property(env, o, name, x);
}

/* ---- ticket times of a cache: its TGT (krbtgt/REALM@REALM) ---------------------------------- */

typedef struct {
  char ccache[256];
  char principal[256];
  double start, end, auth;
} ticket_times;

static krb5_error_code tgt_times(krb5_context k, krb5_ccache cc, ticket_times *t) {
  krb5_principal me = NULL;
  krb5_cc_cursor cur;
  krb5_creds c;
  char *name = NULL;
  krb5_error_code code = krb5_cc_get_principal(k, cc, &me);
  if (code) return code;
  if (!krb5_unparse_name(k, me, &name)) {
    snprintf(t->principal, sizeof t->principal, "%s", name);
    krb5_free_unparsed_name(k, name);
  }
  code = krb5_cc_start_seq_get(k, cc, &cur);
  if (code) goto out;
  code = KRB5_CC_NOTFOUND;
  while (!krb5_cc_next_cred(k, cc, &cur, &c)) {
    const krb5_principal s = c.server;
    if (!krb5_is_config_principal(k, s) && s->length == 2 && s->data[0].length == 6 && !memcmp(s->data[0].data, "krbtgt", 6)) {
      t->start = c.times.starttime ? c.times.starttime : c.times.authtime;
      t->end = c.times.endtime;
      t->auth = c.times.authtime;
      code = 0;
    }
    krb5_free_cred_contents(k, &c);
    if (!code) break;
  }
  krb5_cc_end_seq_get(k, cc, &cur);
out:
  krb5_free_principal(k, me);
  return code;
}

/** cacheInfo(ccache|null): the cache's name, principal and TGT times (seconds); throws when none. */
static napi_value cache_info(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *name = argc > 0 ? string_arg(env, argv[0]) : NULL;
  krb5_context k = NULL;
  krb5_ccache cc = NULL;
  ticket_times t = {0};
  failure f = {0};
  krb5_error_code code = krb5_init_context(&k);
  if (code) { krb5_fail(&f, NULL, code, "krb5_init_context"); goto done; }
  code = name ? krb5_cc_resolve(k, name, &cc) : krb5_cc_default(k, &cc);
  if (!code) {
    const char *type = krb5_cc_get_type(k, cc), *n = krb5_cc_get_name(k, cc);
    snprintf(t.ccache, sizeof t.ccache, "%s:%s", type, n);
    code = tgt_times(k, cc, &t);
  } else {
    snprintf(t.ccache, sizeof t.ccache, "%s", name ? name : krb5_cc_default_name(k));
  }
  if (code) krb5_fail(&f, k, code, t.ccache);
done:
  if (cc) krb5_cc_close(k, cc);
  if (k) krb5_free_context(k);
  free(name);
  if (f.message[0]) {
    napi_throw(env, reject_value(env, &f));
    return NULL;
  }
  CHECK(napi_create_object(env, &out));
  set_str(env, out, "ccache", t.ccache);
  set_str(env, out, "principal", t.principal);
  set_num(env, out, "startTime", t.start);
  set_num(env, out, "endTime", t.end);
  set_num(env, out, "authTime", t.auth);
  return out;
}

/* ---- acquire ------------------------------------------------------------------------------- */

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  char *ccache_name, *principal, *password;
  credential *cred;
  ticket_times times;
  failure f;
} acquire_job;

static void cred_free(credential *c) {
  OM_uint32 minor;
  if (!c) return;
  if (c->cred != GSS_C_NO_CREDENTIAL) gss_release_cred(&minor, &c->cred);
  if (c->memory) krb5_cc_destroy(c->kctx, c->memory);
  if (c->kctx) krb5_free_context(c->kctx);
  free(c);
}

/* The JS handle's box: *box is NULL once the credential is freed. */
static void cred_release(credential **box) {
  if (!box || !*box) return;
  (*box)->released = 1;
  if ((*box)->steps == 0) {
    cred_free(*box);
    *box = NULL;
  }
}

static void cred_finalize(napi_env env, void *data, void *hint) {
  credential **box = data;
  if (*box) cred_free(*box);
  free(box);
}

static int gss_from_ccache(acquire_job *j, const char *ccname) {
  OM_uint32 major, minor;
  snprintf(j->cred->ccname, sizeof j->cred->ccname, "%s", ccname);
  gss_key_value_element_desc el = {"ccache", ccname};
  gss_key_value_set_desc store = {1, &el};
  gss_OID_set_desc spnego = {1, &SPNEGO_OID}, krb5 = {1, &KRB5_OID};
  major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &spnego, GSS_C_INITIATE, &store, &j->cred->cred, NULL, NULL);
  if (GSS_ERROR(major)) { gss_fail(&j->f, major, minor, ccname); return 0; }
  // Negotiate offers Kerberos only: NTLM is the engine's own fallback (ntlm-handshake.ts).
  major = gss_set_neg_mechs(&minor, j->cred->cred, &krb5);
  if (GSS_ERROR(major)) { gss_fail(&j->f, major, minor, "gss_set_neg_mechs"); return 0; }
  return 1;
}

static void acquire_execute(napi_env env, void *data) {
  acquire_job *j = data;
  krb5_context k = NULL;
  krb5_error_code code = krb5_init_context(&k);
  if (code) { krb5_fail(&j->f, NULL, code, "krb5_init_context"); return; }
  j->cred = calloc(1, sizeof *j->cred);
  j->cred->cred = GSS_C_NO_CREDENTIAL;
  if (!j->password) {
    krb5_ccache cc = NULL;
    code = j->ccache_name ? krb5_cc_resolve(k, j->ccache_name, &cc) : krb5_cc_default(k, &cc);
    if (!code) {
      snprintf(j->times.ccache, sizeof j->times.ccache, "%s:%s", krb5_cc_get_type(k, cc), krb5_cc_get_name(k, cc));
      code = tgt_times(k, cc, &j->times);
      krb5_cc_close(k, cc);
    } else {
      snprintf(j->times.ccache, sizeof j->times.ccache, "%s", j->ccache_name ? j->ccache_name : krb5_cc_default_name(k));
    }
    if (code) krb5_fail(&j->f, k, code, j->times.ccache);
    else gss_from_ccache(j, j->times.ccache);
    krb5_free_context(k);
    return;
  }
  // Explicit credentials: a TGT for the principal into a MEMORY ccache of our own.
  krb5_principal me = NULL;
  krb5_creds creds;
  krb5_get_init_creds_opt *opt = NULL;
  memset(&creds, 0, sizeof creds);
  j->cred->kctx = k;
  if ((code = krb5_parse_name(k, j->principal, &me))) { krb5_fail(&j->f, k, code, "the user name"); goto out; }
  if ((code = krb5_cc_new_unique(k, "MEMORY", NULL, &j->cred->memory))) { krb5_fail(&j->f, k, code, "a MEMORY ccache"); goto out; }
  if ((code = krb5_get_init_creds_opt_alloc(k, &opt))) { krb5_fail(&j->f, k, code, "krb5_get_init_creds_opt_alloc"); goto out; }
  code = krb5_get_init_creds_password(k, &creds, me, j->password, NULL, NULL, 0, NULL, opt);
  wipe(j->password);
  j->password = NULL;
  if (code) {
    char *full = NULL;
    krb5_fail(&j->f, k, code, krb5_unparse_name(k, me, &full) ? j->principal : full);
    if (full) krb5_free_unparsed_name(k, full);
    goto out;
  }
  j->times.start = creds.times.starttime ? creds.times.starttime : creds.times.authtime;
  j->times.end = creds.times.endtime;
  j->times.auth = creds.times.authtime;
  if ((code = krb5_cc_initialize(k, j->cred->memory, me)) || (code = krb5_cc_store_cred(k, j->cred->memory, &creds))) {
    krb5_fail(&j->f, k, code, "the MEMORY ccache");
    goto out;
  }
  char *name = NULL;
  if (!krb5_unparse_name(k, me, &name)) {
    snprintf(j->times.principal, sizeof j->times.principal, "%s", name);
    krb5_free_unparsed_name(k, name);
  }
  snprintf(j->times.ccache, sizeof j->times.ccache, "MEMORY:%s", krb5_cc_get_name(k, j->cred->memory));
  gss_from_ccache(j, j->times.ccache);
out:
  krb5_free_cred_contents(k, &creds);
  if (opt) krb5_get_init_creds_opt_free(k, opt);
  if (me) krb5_free_principal(k, me);
}

static void acquire_complete(napi_env env, napi_status status, void *data) {
  acquire_job *j = data;
  if (j->f.message[0]) {
    cred_free(j->cred);
    napi_reject_deferred(env, j->deferred, reject_value(env, &j->f));
  } else {
    napi_value out, handle;
    credential **box = malloc(sizeof *box);
    *box = j->cred;
    napi_create_object(env, &out);
    napi_create_external(env, box, cred_finalize, NULL, &handle);
    napi_set_named_property(env, out, "handle", handle);
    set_str(env, out, "ccache", j->times.ccache);
    set_str(env, out, "principal", j->times.principal);
    set_num(env, out, "startTime", j->times.start);
    set_num(env, out, "endTime", j->times.end);
    set_num(env, out, "authTime", j->times.auth);
    set_num(env, out, "acquiredAt", (double)time(NULL));
    napi_resolve_deferred(env, j->deferred, out);
  }
  napi_delete_async_work(env, j->work);
  wipe(j->password);
  free(j->principal);
  free(j->ccache_name);
  free(j);
}

static napi_value acquire(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], promise, name;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) { napi_throw_type_error(env, NULL, "acquire(options)"); return NULL; }
  acquire_job *j = calloc(1, sizeof *j);
  j->ccache_name = prop(env, argv[0], "ccache");
  j->principal = prop(env, argv[0], "principal");
  j->password = prop(env, argv[0], "password");
  if (j->password && !j->principal) { free(j->password); j->password = NULL; }
  CHECK(napi_create_promise(env, &j->deferred, &promise));
  CHECK(napi_create_string_utf8(env, "bits_gssapi.acquire", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_async_work(env, NULL, name, acquire_execute, acquire_complete, j, &j->work));
  CHECK(napi_queue_async_work(env, j->work));
  return promise;
}

static credential **cred_of(napi_env env, napi_value v) {
  void *data = NULL;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) return NULL;
  napi_get_value_external(env, v, &data);
  return data;
}

static napi_value release(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  cred_release(argc ? cred_of(env, argv[0]) : NULL);
  return NULL;
}

/* ---- contexts and steps -------------------------------------------------------------------- */

static void context_finalize(napi_env env, void *data, void *hint) {
  OM_uint32 minor;
  context *c = data;
  if (c->ctx != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &c->ctx, GSS_C_NO_BUFFER);
  free(c);
}

static napi_value new_context(napi_env env, napi_callback_info info) {
  napi_value out;
  context *c = calloc(1, sizeof *c);
  c->ctx = GSS_C_NO_CONTEXT;
  CHECK(napi_create_external(env, c, context_finalize, NULL, &out));
  return out;
}

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref cred_ref, ctx_ref;
  credential **box;
  gss_cred_id_t cred;
  char ccname[300];
  context *ctx;
  char *target;
  void *input;
  size_t input_len;
  gss_buffer_desc output;
  OM_uint32 major, flags;
  failure f;
} step_job;

/*
 * The service ticket for a first step, asked for with krb5 itself: its failures keep their krb5
 * error codes (through SPNEGO, GSSAPI reports them as remapped minor codes that name nothing), so
 * an unknown service principal or an expired TGT is told apart. GSSAPI then finds it cached.
 */
static int service_ticket(step_job *j) {
  krb5_context k = NULL;
  krb5_ccache cc = NULL;
  krb5_creds in, *out = NULL;
  krb5_error_code code;
  const char *host = strchr(j->target, '@');
  memset(&in, 0, sizeof in);
  if ((code = krb5_init_context(&k))) { krb5_fail(&j->f, NULL, code, "krb5_init_context"); return 0; }
  if (!(code = krb5_cc_resolve(k, j->ccname, &cc)) && !(code = krb5_cc_get_principal(k, cc, &in.client)) &&
      !(code = krb5_sname_to_principal(k, host ? host + 1 : j->target, "HTTP", KRB5_NT_SRV_HST, &in.server)))
    code = krb5_get_credentials(k, 0, cc, &in, &out);
  if (code) krb5_fail(&j->f, k, code, j->target);
  if (out) krb5_free_creds(k, out);
  krb5_free_cred_contents(k, &in);
  if (cc) krb5_cc_close(k, cc);
  krb5_free_context(k);
  return code == 0;
}

static void step_execute(napi_env env, void *data) {
  step_job *j = data;
  OM_uint32 minor;
  if (!j->input && !service_ticket(j)) return;
  gss_name_t name = GSS_C_NO_NAME;
  gss_buffer_desc target = {strlen(j->target), j->target};
  gss_buffer_desc in = {j->input_len, j->input};
  j->major = gss_import_name(&minor, &target, GSS_C_NT_HOSTBASED_SERVICE, &name);
  if (GSS_ERROR(j->major)) { gss_fail(&j->f, j->major, minor, j->target); return; }
  j->major = gss_init_sec_context(&minor, j->cred, &j->ctx->ctx, name, &SPNEGO_OID, GSS_C_MUTUAL_FLAG | GSS_C_SEQUENCE_FLAG, 0,
                                  GSS_C_NO_CHANNEL_BINDINGS, j->input ? &in : GSS_C_NO_BUFFER, NULL, &j->output, &j->flags, NULL);
  if (GSS_ERROR(j->major)) gss_fail(&j->f, j->major, minor, j->target);
  gss_release_name(&minor, &name);
}

static void step_complete(napi_env env, napi_status status, void *data) {
  step_job *j = data;
  OM_uint32 minor;
  if (j->f.message[0]) {
    napi_reject_deferred(env, j->deferred, reject_value(env, &j->f));
  } else {
    napi_value out, token, done, mutual;
    napi_create_object(env, &out);
    if (j->output.length) napi_create_buffer_copy(env, j->output.length, j->output.value, NULL, &token);
    else napi_get_null(env, &token);
    napi_get_boolean(env, j->major == GSS_S_COMPLETE, &done);
    napi_get_boolean(env, (j->flags & GSS_C_MUTUAL_FLAG) != 0, &mutual);
    napi_set_named_property(env, out, "token", token);
    napi_set_named_property(env, out, "complete", done);
    napi_set_named_property(env, out, "mutual", mutual);
    napi_resolve_deferred(env, j->deferred, out);
  }
  gss_release_buffer(&minor, &j->output);
  if (*j->box) {
    (*j->box)->steps--;
    if ((*j->box)->released) cred_release(j->box);
  }
  napi_delete_reference(env, j->cred_ref);
  napi_delete_reference(env, j->ctx_ref);
  napi_delete_async_work(env, j->work);
  free(j->input);
  free(j->target);
  free(j);
}

static napi_value step(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], promise, name;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  credential **box = argc >= 4 ? cred_of(env, argv[0]) : NULL;
  void *ctx = NULL;
  if (!box || !*box || (*box)->released || napi_get_value_external(env, argv[3], &ctx) != napi_ok) {
    napi_throw_type_error(env, NULL, "step(credential, target, input, context): the credential was released or is not one");
    return NULL;
  }
  step_job *j = calloc(1, sizeof *j);
  j->box = box;
  j->cred = (*box)->cred;
  memcpy(j->ccname, (*box)->ccname, sizeof j->ccname);
  (*box)->steps++;
  j->ctx = ctx;
  j->target = string_arg(env, argv[1]);
  bool isBuffer = false;
  napi_is_buffer(env, argv[2], &isBuffer);
  if (isBuffer) {
    void *d;
    size_t n;
    napi_get_buffer_info(env, argv[2], &d, &n);
    j->input = malloc(n ? n : 1);
    memcpy(j->input, d, n);
    j->input_len = n;
  }
  // The credential and context stay alive (not finalized) while the step runs.
  napi_create_reference(env, argv[0], 1, &j->cred_ref);
  napi_create_reference(env, argv[3], 1, &j->ctx_ref);
  CHECK(napi_create_promise(env, &j->deferred, &promise));
  CHECK(napi_create_string_utf8(env, "bits_gssapi.step", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_async_work(env, NULL, name, step_execute, step_complete, j, &j->work));
  CHECK(napi_queue_async_work(env, j->work));
  return promise;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor d[] = {
      {"acquire", NULL, acquire, NULL, NULL, NULL, napi_default, NULL},
      {"release", NULL, release, NULL, NULL, NULL, napi_default, NULL},
      {"newContext", NULL, new_context, NULL, NULL, NULL, napi_default, NULL},
      {"step", NULL, step, NULL, NULL, NULL, napi_default, NULL},
      {"cacheInfo", NULL, cache_info, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof d / sizeof d[0], d);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
