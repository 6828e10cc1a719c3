/*  czmq's zcert and zcertstore, for t/63-certificates.t.

    zcert_peer save PATH PUBLIC_Z85 SECRET_Z85 [NAME VALUE]...
        zcert_save of that key pair with that metadata (PATH and PATH_secret).
    zcert_peer load PATH
        zcert_load PATH; prints "public Z85", "secret Z85", then "meta NAME=VALUE" per item
        in name order.
    zcert_peer lookup DIR PUBLIC_Z85
        zcertstore_new DIR, zcertstore_lookup; prints "found" and the metadata as load does,
        or "missing".
    Exit status 0, or 1 with a message on stderr.
*/
#include <czmq.h>
#include <stdio.h>
#include <string.h>

static int
s_cmp (void *a, void *b)
{
    return strcmp ((const char *) a, (const char *) b);
}

static void
s_print_meta (zcert_t *cert)
{
    zlist_t *keys = zcert_meta_keys (cert);
    zlist_sort (keys, (zlist_compare_fn *) s_cmp);
    const char *name = (const char *) zlist_first (keys);
    while (name) {
        printf ("meta %s=%s\n", name, zcert_meta (cert, name));
        name = (const char *) zlist_next (keys);
    }
    zlist_destroy (&keys);
}

int
main (int argc, char *argv [])
{
    if (argc >= 5 && streq (argv [1], "save") && argc % 2 == 1) {
        byte public_key [32], secret_key [32];
        if (strlen (argv [3]) != 40 || strlen (argv [4]) != 40
        ||  !zmq_z85_decode (public_key, argv [3]) || !zmq_z85_decode (secret_key, argv [4])) {
            fprintf (stderr, "zcert_peer: bad key\n");
            return 1;
        }
        zcert_t *cert = zcert_new_from (public_key, secret_key);
        int arg;
        for (arg = 5; arg + 1 < argc; arg += 2)
            zcert_set_meta (cert, argv [arg], "%s", argv [arg + 1]);
        int rc = zcert_save (cert, argv [2]);
        zcert_destroy (&cert);
        if (rc) {
            fprintf (stderr, "zcert_peer: zcert_save %s failed\n", argv [2]);
            return 1;
        }
        return 0;
    }
    if (argc == 3 && streq (argv [1], "load")) {
        zcert_t *cert = zcert_load (argv [2]);
        if (!cert) {
            fprintf (stderr, "zcert_peer: zcert_load %s failed\n", argv [2]);
            return 1;
        }
        printf ("public %s\nsecret %s\n", zcert_public_txt (cert), zcert_secret_txt (cert));
        s_print_meta (cert);
        zcert_destroy (&cert);
        return 0;
    }
    if (argc == 4 && streq (argv [1], "lookup")) {
        zcertstore_t *store = zcertstore_new (argv [2]);
        zcert_t *cert = zcertstore_lookup (store, argv [3]);
        if (cert) {
            printf ("found\n");
            s_print_meta (cert);
        }
        else
            printf ("missing\n");
        zcertstore_destroy (&store);
        return 0;
    }
    fprintf (stderr, "usage: zcert_peer save PATH PUBLIC SECRET [NAME VALUE]... | load PATH"
                     " | lookup DIR PUBLIC\n");
    return 1;
}
