// CRC32 (IEEE 802.3, the polynomial of zlib and java.util.zip.CRC32) for the commit log's body
// checksums, without a JS-to-C++ call per record.
//
// crc32(bytes[, start, end]) returns the unsigned CRC32 of bytes[start, end).
// fillBodyCrcs(buf, from, to) walks the stored-message records in buf[from, to) and writes each
// record's BODYCRC field (the body's CRC32 masked to 31 bits, as RocketMQ stores it); it stops
// at a blank marker and returns the number of records filled. A record whose fields do not fit
// the range throws a RangeError naming its position and leaves it and the rest untouched.
//
// On x86-64 with PCLMULQDQ, inputs of 64 bytes or more are folded 512 and then 128 bits at a
// time with carry-less multiplies (the folding method of Intel's "Fast CRC Computation for
// Generic Polynomials Using PCLMULQDQ"); the last 16 folded bytes and any tail go through
// slicing-by-8 tables, which also serve short inputs and other CPUs.
#include <node_api.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "helper.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CONTRAIL_CLMUL 1
#include <immintrin.h>
#endif

#define POLY 0xedb88320u
#define MAGIC_MESSAGE 0xdaa320a7u
#define MAGIC_BLANK 0xcbd43194u
#define BORNHOST_V6 0x10u
#define STOREHOST_V6 0x20u
/* TOTALSIZE .. SYSFLAG, BORNTIMESTAMP, STORETIMESTAMP, RECONSUMETIMES, PREPAREDTRANSACTIONOFFSET. */
#define FIXED_BEFORE_BODY (40 + 8 + 8 + 4 + 8)

static uint32_t table[8][256];
#ifdef CONTRAIL_CLMUL
static int use_clmul;
#endif

/* Once per process: worker threads that load the module share the tables. */
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void make_tables(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t c = n;
    for (int k = 0; k < 8; k++) c = (c & 1) ? POLY ^ (c >> 1) : c >> 1;
    table[0][n] = c;
  }
  for (uint32_t n = 0; n < 256; n++) {
    for (int t = 1; t < 8; t++) table[t][n] = (table[t - 1][n] >> 8) ^ table[0][table[t - 1][n] & 0xff];
  }
#ifdef CONTRAIL_CLMUL
  __builtin_cpu_init();
  use_clmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2");
#endif
}

/* The CRC register (not inverted) after the bytes p[0, n), slicing-by-8. */
static uint32_t crc_tables(uint32_t c, const uint8_t* p, size_t n) {
  while (n >= 8) {
    uint32_t lo, hi;
    memcpy(&lo, p, 4);
    memcpy(&hi, p + 4, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    lo = __builtin_bswap32(lo);
    hi = __builtin_bswap32(hi);
#endif
    lo ^= c;
    c = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^ table[5][(lo >> 16) & 0xff] ^ table[4][lo >> 24] ^
        table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^ table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return c;
}

#ifdef CONTRAIL_CLMUL
/* x * x^d mod P for a 128-bit block x, as a block that adds into the one d bits further on. */
__attribute__((target("pclmul,sse2"))) static inline __m128i fold(__m128i x, __m128i k, __m128i next) {
  __m128i lo = _mm_clmulepi64_si128(x, k, 0x00);
  __m128i hi = _mm_clmulepi64_si128(x, k, 0x11);
  return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

/* The register after p[0, n) for n >= 64. */
__attribute__((target("pclmul,sse2"))) static uint32_t crc_clmul(uint32_t c, const uint8_t* p, size_t n) {
  /* Reflected constants: the low lane multiplies the block's low 64 bits, the high lane its high 64. */
  const __m128i by512 = _mm_set_epi64x(0x1c6e41596LL, 0x154442bd4LL);
  const __m128i by128 = _mm_set_epi64x(0x0ccaa009eLL, 0x1751997d0LL);
  __m128i x0 = _mm_xor_si128(_mm_loadu_si128((const __m128i*)p), _mm_cvtsi32_si128((int)c));
  __m128i x1 = _mm_loadu_si128((const __m128i*)(p + 16));
  __m128i x2 = _mm_loadu_si128((const __m128i*)(p + 32));
  __m128i x3 = _mm_loadu_si128((const __m128i*)(p + 48));
  p += 64;
  n -= 64;
  while (n >= 64) {
    x0 = fold(x0, by512, _mm_loadu_si128((const __m128i*)p));
    x1 = fold(x1, by512, _mm_loadu_si128((const __m128i*)(p + 16)));
    x2 = fold(x2, by512, _mm_loadu_si128((const __m128i*)(p + 32)));
    x3 = fold(x3, by512, _mm_loadu_si128((const __m128i*)(p + 48)));
    p += 64;
    n -= 64;
  }
  x0 = fold(x0, by128, x1);
  x0 = fold(x0, by128, x2);
  x0 = fold(x0, by128, x3);
  while (n >= 16) {
    x0 = fold(x0, by128, _mm_loadu_si128((const __m128i*)p));
    p += 16;
    n -= 16;
  }
  /* x0 now stands for everything read so far: its CRC from a zero register is theirs. */
  uint8_t last[16];
  _mm_storeu_si128((__m128i*)last, x0);
  return crc_tables(crc_tables(0, last, 16), p, n);
}
#endif

static uint32_t crc32_of(const uint8_t* p, size_t n) {
  uint32_t c = 0xffffffffu;
#ifdef CONTRAIL_CLMUL
  if (use_clmul && n >= 64) return ~crc_clmul(c, p, n);
#endif
  return ~crc_tables(c, p, n);
}

static uint32_t be32(const uint8_t* p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static void put_be32(uint8_t* p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static napi_value throw_range(napi_env env, const char* message) {
  napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
  return NULL;
}

/* The bytes of a Uint8Array (Buffer) argument. */
static int bytes_of(napi_env env, napi_value v, uint8_t** data, size_t* length) {
  bool is;
  napi_typedarray_type type;
  void* raw;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
  if (napi_get_typedarray_info(env, v, &type, length, &raw, NULL, NULL) != napi_ok || type != napi_uint8_array) return 0;
  *data = raw;
  return 1;
}

/* An optional index argument in [0, max]: `fallback` when absent or undefined. */
static int index_of(napi_env env, size_t argc, napi_value* argv, size_t i, size_t max, size_t fallback, size_t* out) {
  if (i >= argc) {
    *out = fallback;
    return 1;
  }
  napi_valuetype t;
  double d;
  if (napi_typeof(env, argv[i], &t) != napi_ok) return 0;
  if (t == napi_undefined) {
    *out = fallback;
    return 1;
  }
  if (t != napi_number || napi_get_value_double(env, argv[i], &d) != napi_ok) return 0;
  if (!(d >= 0 && d <= (double)max) || d != (double)(size_t)d) return 0;
  *out = (size_t)d;
  return 1;
}

/*
 * The (bytes, start, end) arguments every call here takes: false when they are not a
 * Uint8Array and a range inside it (a TypeError or RangeError quoting `usage` is thrown then).
 * With `exact`, all three arguments must be given.
 */
static int bytes_and_range(napi_env env, napi_callback_info info, int exact, const char* usage, uint8_t** data, size_t* start, size_t* end) {
  size_t argc = 3;
  napi_value argv[3];
  size_t length;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc < 1 || (exact && argc != 3) || !bytes_of(env, argv[0], data, &length)) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", usage);
    return 0;
  }
  if (!index_of(env, argc, argv, 1, length, 0, start) || !index_of(env, argc, argv, 2, length, length, end) || *start > *end) {
    throw_range(env, usage);
    return 0;
  }
  return 1;
}

static napi_value crc32_fn(napi_env env, napi_callback_info info) {
  uint8_t* data;
  size_t start, end;
  if (!bytes_and_range(env, info, 0, "crc32(bytes, start?, end?): bytes a Uint8Array, 0 <= start <= end <= bytes.length", &data, &start, &end)) {
    return NULL;
  }
  napi_value out;
  napi_create_uint32(env, crc32_of(data + start, end - start), &out);
  return out;
}

static napi_value fill_body_crcs(napi_env env, napi_callback_info info) {
  uint8_t* data;
  size_t from, to;
  if (!bytes_and_range(env, info, 1, "fillBodyCrcs(buf, from, to): buf a Uint8Array, 0 <= from <= to <= buf.length", &data, &from, &to)) {
    return NULL;
  }
  uint32_t filled = 0;
  size_t pos = from;
  char why[160];
  while (to - pos >= 8) {
    const uint8_t* r = data + pos;
    uint32_t size = be32(r);
    uint32_t magic = be32(r + 4);
    if (magic == MAGIC_BLANK) break;
    if (magic != MAGIC_MESSAGE || size < FIXED_BEFORE_BODY + 8 + 8 + 4 + 3 || size > to - pos) {
      snprintf(why, sizeof why, "fillBodyCrcs: no whole record at %zu (size %u, magic 0x%08x)", pos, size, magic);
      return throw_range(env, why);
    }
    uint32_t sys_flag = be32(r + 36);
    size_t body_len_at = FIXED_BEFORE_BODY + ((sys_flag & BORNHOST_V6) ? 20 : 8) + ((sys_flag & STOREHOST_V6) ? 20 : 8);
    /* BODYLEN, then at least TOPICLEN and PROPERTIESLENGTH after the body, inside the record. */
    if (size < body_len_at + 4 + 3) {
      snprintf(why, sizeof why, "fillBodyCrcs: no whole record at %zu (size %u, hosts need %zu)", pos, size, body_len_at + 7);
      return throw_range(env, why);
    }
    uint32_t body_len = be32(r + body_len_at);
    if (body_len > size - body_len_at - 4 - 3) {
      snprintf(why, sizeof why, "fillBodyCrcs: body of %u bytes overruns the record at %zu (size %u)", body_len, pos, size);
      return throw_range(env, why);
    }
    put_be32(data + pos + 8, crc32_of(r + body_len_at + 4, body_len) & 0x7fffffffu);
    filled++;
    pos += size;
  }
  napi_value out;
  napi_create_uint32(env, filled, &out);
  return out;
}

void register_crc32(napi_env env, napi_value exports) {
  pthread_once(&tables_once, make_tables);
  napi_value fn;
  napi_create_function(env, "crc32", NAPI_AUTO_LENGTH, crc32_fn, NULL, &fn);
  napi_set_named_property(env, exports, "crc32", fn);
  napi_create_function(env, "fillBodyCrcs", NAPI_AUTO_LENGTH, fill_body_crcs, NULL, &fn);
  napi_set_named_property(env, exports, "fillBodyCrcs", fn);
  napi_value accelerated;
#ifdef CONTRAIL_CLMUL
  napi_get_boolean(env, use_clmul != 0, &accelerated);
#else
  napi_get_boolean(env, false, &accelerated);
#endif
  napi_set_named_property(env, exports, "crc32Accelerated", accelerated);
}
