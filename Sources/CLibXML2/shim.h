#ifndef FERRY_CLIBXML2_SHIM_H
#define FERRY_CLIBXML2_SHIM_H

#include <libxml/xmlversion.h>
// Debian's libxml2 is built with ICU; its ICU types clash with Foundation's copy.
// Ferry converts encodings through libxml2's iconv path only.
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlwriter.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/xmlregexp.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlsave.h>
#include <libxml/c14n.h>

/// libxml2 prints some errors (encoding conversion, I/O) through its generic, variadic error
/// channel straight to standard error; Ferry reports errors itself, so that channel is silenced
/// for the calling thread (libxml2 keeps it per thread).
static void ferry_discard_generic_error(void *context, const char *message, ...) {
    (void)context;
    (void)message;
}

static inline void ferry_discard_generic_errors(void) {
    xmlSetGenericErrorFunc(NULL, ferry_discard_generic_error);
}

/// `xmlFree` is a global function pointer, which Swift imports as a variable; this calls it.
static inline void ferry_xmlFree(void *pointer) { xmlFree(pointer); }

#endif
