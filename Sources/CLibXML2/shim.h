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

// MARK: Single-byte encodings by table
//
// libxml2 decodes encodings it has no table for through iconv, which goes through UCS-4 and
// back to UTF-8 byte by byte: a fifth of the reading thread's time on a KOI8-R export. These
// handlers decode and encode the single-byte encodings legacy exports use with a table of
// their upper half that iconv itself fills once, so every byte means what it meant through
// iconv. An undefined byte or an unencodable character is the same error (-2) as through
// iconv, which libxml2 reports or writes as a character reference as before.

#include <iconv.h>
#include <strings.h>

// windows-1255 and -1258 are left to iconv: it composes their combining marks, so a byte does
// not stand for one character.
#define FERRY_SINGLE_BYTE_COUNT 10
static const char *const ferry_single_byte_names[FERRY_SINGLE_BYTE_COUNT] = {
    "KOI8-R", "KOI8-U", "CP866", "WINDOWS-1250", "WINDOWS-1251", "WINDOWS-1252", "WINDOWS-1253",
    "WINDOWS-1254", "WINDOWS-1256", "WINDOWS-1257"};
/// For each encoding, what each byte decodes to, and the upper half's characters as
/// (code point << 8 | byte), sorted by code point, with their count.
struct ferry_single_byte_tables {
    /// Each byte's UTF-8 form in the low bytes, first byte lowest, and its length in the top
    /// byte (0: undefined).
    unsigned int utf8[FERRY_SINGLE_BYTE_COUNT][256];
    unsigned int reverse[FERRY_SINGLE_BYTE_COUNT][128];
    int defined[FERRY_SINGLE_BYTE_COUNT];
};

/// The tables (a static inside a function, as Swift emits only the functions of a header it
/// imports; each object file that uses them has its copy, and the registration below and the
/// handlers it registers use the same one).
static struct ferry_single_byte_tables *ferry_single_byte(void) {
    static struct ferry_single_byte_tables tables;
    return &tables;
}

static int ferry_single_byte_decode(int table, unsigned char *out, int *outlen, const unsigned char *in,
                                    int *inlen) {
    const unsigned int *utf8 = ferry_single_byte()->utf8[table];
    const unsigned char *instart = in, *inend = in + *inlen;
    unsigned char *outstart = out, *outend = out + *outlen;
    while (in < inend) {
        unsigned int entry = utf8[*in], length = entry >> 24;
        if (length == 0) {
            *outlen = (int)(out - outstart);
            *inlen = (int)(in - instart);
            return -2;
        }
        if ((unsigned int)(outend - out) < length) break;
        if (outend - out >= 3) {  // all three, whatever the length: the extra ones are overwritten next
            out[0] = (unsigned char)entry;
            out[1] = (unsigned char)(entry >> 8);
            out[2] = (unsigned char)(entry >> 16);
        } else {
            for (unsigned int i = 0; i < length; i++) out[i] = (unsigned char)(entry >> (8 * i));
        }
        out += length;
        in++;
    }
    *outlen = (int)(out - outstart);
    *inlen = (int)(in - instart);
    return *outlen;
}

/// Looks a code point up in an encoding's sorted table; -1 when the encoding lacks it.
static int ferry_single_byte_lookup(int table, unsigned int c) {
    int low = 0, high = ferry_single_byte()->defined[table] - 1;
    while (low <= high) {
        int middle = (low + high) / 2;
        unsigned int entry = ferry_single_byte()->reverse[table][middle];
        if ((entry >> 8) == c) return (int)(entry & 0xFF);
        if ((entry >> 8) < c) low = middle + 1; else high = middle - 1;
    }
    return -1;
}

/// UTF-8 to the encoding, as libxml2's own ISO-8859 encoders do it: a character the encoding
/// lacks (or malformed UTF-8) stops the block with -2, the bytes before it consumed; a
/// character cut at the block's end is left for the next block.
static int ferry_single_byte_encode(int table, unsigned char *out, int *outlen, const unsigned char *in,
                                    int *inlen) {
    if (in == NULL) {  // the first call, for a heading: there is none
        *outlen = 0;
        *inlen = 0;
        return 0;
    }
    const unsigned char *instart = in, *inend = in + *inlen, *processed = in;
    unsigned char *outstart = out, *outend = out + *outlen;
    while (in < inend && out < outend) {
        unsigned int d = *in++, c;
        int trailing, byte;
        if (d < 0x80) {
            *out++ = (unsigned char)d;
            processed = in;
            continue;
        }
        if (d < 0xC0) goto unencodable;
        if (d < 0xE0) { c = d & 0x1F; trailing = 1; }
        else if (d < 0xF0) { c = d & 0x0F; trailing = 2; }
        else if (d < 0xF8) { c = d & 0x07; trailing = 3; }
        else goto unencodable;
        if (inend - in < trailing) break;
        for (; trailing > 0; trailing--) {
            d = *in++;
            if ((d & 0xC0) != 0x80) goto unencodable;
            c = (c << 6) | (d & 0x3F);
        }
        byte = ferry_single_byte_lookup(table, c);
        if (byte < 0) goto unencodable;
        *out++ = (unsigned char)byte;
        processed = in;
    }
    *outlen = (int)(out - outstart);
    *inlen = (int)(processed - instart);
    return *outlen;
unencodable:
    *outlen = (int)(out - outstart);
    *inlen = (int)(processed - instart);
    return -2;
}

#define FERRY_SINGLE_BYTE_HANDLERS(n)                                                                   \
    static int ferry_decode_##n(unsigned char *out, int *outlen, const unsigned char *in, int *inlen) { \
        return ferry_single_byte_decode(n, out, outlen, in, inlen);                                     \
    }                                                                                                   \
    static int ferry_encode_##n(unsigned char *out, int *outlen, const unsigned char *in, int *inlen) { \
        return ferry_single_byte_encode(n, out, outlen, in, inlen);                                     \
    }
FERRY_SINGLE_BYTE_HANDLERS(0)
FERRY_SINGLE_BYTE_HANDLERS(1)
FERRY_SINGLE_BYTE_HANDLERS(2)
FERRY_SINGLE_BYTE_HANDLERS(3)
FERRY_SINGLE_BYTE_HANDLERS(4)
FERRY_SINGLE_BYTE_HANDLERS(5)
FERRY_SINGLE_BYTE_HANDLERS(6)
FERRY_SINGLE_BYTE_HANDLERS(7)
FERRY_SINGLE_BYTE_HANDLERS(8)
FERRY_SINGLE_BYTE_HANDLERS(9)
static const xmlCharEncodingInputFunc ferry_single_byte_decoders[FERRY_SINGLE_BYTE_COUNT] = {
    ferry_decode_0, ferry_decode_1, ferry_decode_2, ferry_decode_3, ferry_decode_4,
    ferry_decode_5, ferry_decode_6, ferry_decode_7, ferry_decode_8, ferry_decode_9};
static const xmlCharEncodingOutputFunc ferry_single_byte_encoders[FERRY_SINGLE_BYTE_COUNT] = {
    ferry_encode_0, ferry_encode_1, ferry_encode_2, ferry_encode_3, ferry_encode_4,
    ferry_encode_5, ferry_encode_6, ferry_encode_7, ferry_encode_8, ferry_encode_9};

/// Whether `name` is one of the encodings above, whose handler libxml2 names upper-cased.
static inline int ferry_single_byte_is_table_encoding(const char *name) {
    for (int table = 0; table < FERRY_SINGLE_BYTE_COUNT; table++) {
        if (strcasecmp(name, ferry_single_byte_names[table]) == 0) return 1;
    }
    return 0;
}

/// Fills the tables from iconv and registers a handler for each encoding iconv knows and
/// that keeps ASCII as it is; returns how many were registered. Call once, before any parse.
static inline int ferry_register_single_byte_encodings(void) {
    int registered = 0;
    for (int table = 0; table < FERRY_SINGLE_BYTE_COUNT; table++) {
        iconv_t converter = iconv_open("UCS-4BE", ferry_single_byte_names[table]);
        if (converter == (iconv_t)-1) continue;
        int usable = 1, defined = 0;
        ferry_single_byte()->utf8[table][0] = 1u << 24;  // NUL is NUL, for libxml2 to refuse as before
        for (int byte = 1; byte < 256 && usable; byte++) {
            char input = (char)byte, output[8];
            char *inPointer = &input, *outPointer = output;
            size_t inLeft = 1, outLeft = sizeof output;
            iconv(converter, NULL, NULL, NULL, NULL);
            unsigned int c = 0;
            if (iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft) != (size_t)-1) {
                // One byte, one character: anything else (a byte held back to compose) is for iconv.
                if (outLeft != sizeof output - 4) {
                    usable = 0;
                    break;
                }
                c = ((unsigned int)(unsigned char)output[0] << 24) | ((unsigned int)(unsigned char)output[1] << 16) |
                    ((unsigned int)(unsigned char)output[2] << 8) | (unsigned int)(unsigned char)output[3];
            }
            if (byte < 0x80) {
                usable = c == (unsigned int)byte;
            } else if (c != 0 && c < 0x10000) {
                ferry_single_byte()->reverse[table][defined++] = (c << 8) | (unsigned int)byte;
            } else {
                usable = c == 0;  // undefined, or beyond what the table holds: iconv keeps it
            }
            ferry_single_byte()->utf8[table][byte] =
                c == 0 ? 0
                : c < 0x80 ? (1u << 24) | c
                : c < 0x800 ? (2u << 24) | (0xC0 | (c >> 6)) | ((0x80 | (c & 0x3F)) << 8)
                : (3u << 24) | (0xE0 | (c >> 12)) | ((0x80 | ((c >> 6) & 0x3F)) << 8) | ((0x80 | (c & 0x3F)) << 16);
        }
        iconv_close(converter);
        if (!usable) continue;
        // Sorted by code point for the encoder's binary search (insertion sort: 128 entries).
        for (int i = 1; i < defined; i++) {
            unsigned int entry = ferry_single_byte()->reverse[table][i];
            int j = i - 1;
            while (j >= 0 && ferry_single_byte()->reverse[table][j] > entry) {
                ferry_single_byte()->reverse[table][j + 1] = ferry_single_byte()->reverse[table][j];
                j--;
            }
            ferry_single_byte()->reverse[table][j + 1] = entry;
        }
        ferry_single_byte()->defined[table] = defined;
        if (xmlNewCharEncodingHandler(ferry_single_byte_names[table], ferry_single_byte_decoders[table],
                                      ferry_single_byte_encoders[table]) != NULL)
            registered++;
    }
    return registered;
}

#endif
