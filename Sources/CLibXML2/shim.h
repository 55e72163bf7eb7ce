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

/// `xmlFree` is a global function pointer, which Swift imports as a variable; this calls it.
static inline void ferry_xmlFree(void *pointer) { xmlFree(pointer); }

#endif
