# The GSSAPI add-on of the portable engine (Kerberos through SPNEGO, issue 18). Built by
# scripts/install-kerberos.mjs (npm's prepare step) with node-gyp against the running Node's own
# headers; optional: without MIT Kerberos' development files (Debian: libkrb5-dev) it is not built
# and the engine refuses Kerberos with a message naming the package.
{
  'targets': [
    {
      'target_name': 'bits_gssapi',
      'sources': ['bits_gssapi.c'],
      'cflags': ['-Wall', '-Wextra', '-Wno-unused-parameter', '<!@(krb5-config --cflags gssapi)'],
      'libraries': ['<!@(krb5-config --libs gssapi)'],
    },
  ],
}
