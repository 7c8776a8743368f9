// Shared, writable mappings of a commit-log segment, so that appends encode their records
// straight into the page cache (no write call, no copy), as RocketMQ's mapped files do.
//
// mapShared(fd, offset, length) returns an ArrayBuffer over the mapping; it is unmapped when
// that ArrayBuffer is collected, so views of it stay valid however long a reader keeps them.
// The pages must be allocated and writable before the event loop writes into them:
// zeroFill(fd, filePos, buffer, from, to) does that on the thread pool. It writes zeros over the
// file's bytes behind [from, to) of the mapping (starting at filePos), in 1 MiB writes (larger
// single writes are several times slower on the benchmark machine): the blocks are allocated
// there, and a full disk comes back as an errno value, not as a SIGBUS on the writer. Then it
// maps the pages in writable (MADV_POPULATE_WRITE), so the writer takes no page faults either.
// It resolves to 0, the write's errno value, or minus the populate's errno value when only the
// populate failed (the zeros are written; the pages then fault in on first use).
// dontNeed(buffer, from, to) takes the whole pages inside [from, to) out of this process's page
// tables (MADV_DONTNEED), on the thread pool: the page cache keeps them, the process's resident
// size drops, and a later access maps them in again. Both resolve to 0 or an errno value;
// arguments out of range throw a TypeError.
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "helper.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static size_t page_size(void) {
  static size_t size = 0;
  if (size == 0) {
    long s = sysconf(_SC_PAGESIZE);
    size = s > 0 ? (size_t)s : 4096;
  }
  return size;
}

static napi_value int_value(napi_env env, int v) {
  napi_value out;
  napi_create_int32(env, v, &out);
  return out;
}

/* Marks the ArrayBuffers mapShared makes: the other calls refuse any other buffer (MADV_DONTNEED
   on ordinary memory would zero it). */
static const napi_type_tag MAPPING_TAG = {0x636f6e747261696cULL, 0x6d617070696e6721ULL};

static int is_mapping(napi_env env, napi_value v) {
  bool tagged = false;
  return napi_check_object_type_tag(env, v, &MAPPING_TAG, &tagged) == napi_ok && tagged;
}

static void unmap(napi_env env, void* data, void* hint) {
  (void)env;
  munmap(data, (size_t)(uintptr_t)hint);
}

#define MAP_USAGE "mapShared(fd, offset, length): offset a multiple of the page size, length >= 1"

static napi_value map_shared(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int64_t fd, offset, length;
  if (argc != 3 || !whole_number(env, argv[0], 0, 2147483647.0, &fd) || !whole_number(env, argv[1], 0, 9007199254740991.0, &offset) ||
      !whole_number(env, argv[2], 1, 1099511627776.0, &length) || offset % (int64_t)page_size() != 0) {
    return throw_type(env, MAP_USAGE);
  }
  void* addr = mmap(NULL, (size_t)length, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, (off_t)offset);
  if (addr == MAP_FAILED) {
    char message[160];
    snprintf(message, sizeof message, "mmap of a commit-log segment failed: %s", strerror(errno));
    napi_throw_error(env, "ERR_CONTRAIL_MMAP", message);
    return NULL;
  }
  napi_value ab;
  if (napi_create_external_arraybuffer(env, addr, (size_t)length, unmap, (void*)(uintptr_t)length, &ab) != napi_ok) {
    munmap(addr, (size_t)length);
    return NULL;
  }
  napi_type_tag_object(env, ab, &MAPPING_TAG);
  return ab;
}

/* The page-rounded range [from, to) of an ArrayBuffer: outward for populate, inward for dontNeed. */
static int range_of(napi_env env, size_t argc, napi_value* argv, int outward, char** base, size_t* len) {
  void* data;
  size_t size;
  int64_t from, to;
  if (argc != 3 || !is_mapping(env, argv[0]) || napi_get_arraybuffer_info(env, argv[0], &data, &size) != napi_ok ||
      !whole_number(env, argv[1], 0, (double)size, &from) || !whole_number(env, argv[2], (double)from, (double)size, &to)) {
    return 0;
  }
  size_t p = page_size();
  size_t a = outward ? (size_t)from / p * p : ((size_t)from + p - 1) / p * p;
  size_t b = outward ? ((size_t)to + p - 1) / p * p : (size_t)to / p * p;
  if (b > size) b = size / p * p;
  *base = (char*)data + a;
  *len = b > a ? b - a : 0;
  return 1;
}

#define RANGE_USAGE "(buffer, from, to): an ArrayBuffer from mapShared and 0 <= from <= to <= its length"

#define ZERO_WRITE (1024 * 1024)

typedef struct {
  work_head head;
  int fd;
  int64_t file_pos;
  size_t length;
  char* base; /* the page-rounded range to populate */
  size_t len;
  int result;
} zero_request;

static void zero_execute(napi_env env, void* data) {
  (void)env;
  zero_request* req = data;
  static char* zeros = NULL;
  if (__atomic_load_n(&zeros, __ATOMIC_ACQUIRE) == NULL) {
    char* z = calloc(1, ZERO_WRITE);
    /* Thread-pool threads may race here: the loser frees its copy. */
    if (z != NULL && !__sync_bool_compare_and_swap(&zeros, NULL, z)) free(z);
    if (__atomic_load_n(&zeros, __ATOMIC_ACQUIRE) == NULL) {
      req->result = ENOMEM;
      return;
    }
  }
  size_t done = 0;
  while (done < req->length) {
    size_t n = req->length - done < ZERO_WRITE ? req->length - done : ZERO_WRITE;
    ssize_t w = pwrite(req->fd, zeros, n, (off_t)(req->file_pos + (int64_t)done));
    if (w < 0) {
      if (errno == EINTR) continue;
      req->result = errno;
      return;
    }
    if (w == 0) {
      req->result = EIO;
      return;
    }
    done += (size_t)w;
  }
  /* Populate failing (EINVAL before Linux 5.14) is told apart from a failed write: -errno. */
  req->result = req->len == 0 || madvise(req->base, req->len, MADV_POPULATE_WRITE) == 0 ? 0 : -errno;
}

static void zero_complete(napi_env env, napi_status status, void* data) {
  zero_request* req = data;
  finish_promised_work(env, &req->head, int_value(env, status == napi_ok ? req->result : ECANCELED));
}

#define ZERO_USAGE "zeroFill(fd, filePos, buffer, from, to): a descriptor, a whole number >= 0, an ArrayBuffer from mapShared (or null: nothing to populate) and 0 <= from <= to <= its length"

static napi_value zero_fill(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  char* base;
  size_t len;
  int64_t fd, file_pos, from, to;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  napi_valuetype buffer_type = napi_undefined;
  if (argc == 5) napi_typeof(env, argv[2], &buffer_type);
  int no_buffer = buffer_type == napi_null;
  if (argc != 5 || !whole_number(env, argv[0], 0, 2147483647.0, &fd) || !whole_number(env, argv[1], 0, 9007199254740991.0, &file_pos) ||
      !whole_number(env, argv[3], 0, 9007199254740991.0, &from) || !whole_number(env, argv[4], (double)from, 9007199254740991.0, &to) ||
      (!no_buffer && !range_of(env, 3, argv + 2, 1, &base, &len))) {
    return throw_type(env, ZERO_USAGE);
  }
  if (no_buffer) {
    base = NULL;
    len = 0;
  }
  zero_request* req = calloc(1, sizeof *req);
  if (req == NULL) {
    napi_throw_error(env, "ENOMEM", "zeroFill: out of memory");
    return NULL;
  }
  req->fd = (int)fd;
  req->file_pos = file_pos;
  req->length = (size_t)(to - from);
  req->base = base;
  req->len = len;
  /* The mapping stays mapped (not collected) while the pool thread populates it. */
  return queue_promised_work(env, "contrail.zeroFill", zero_execute, zero_complete, &req->head, int_value(env, ECANCELED),
                             no_buffer ? NULL : argv[2]);
}

typedef struct {
  work_head head;
  char* base;
  size_t len;
  int result;
} dont_need_request;

static void dont_need_execute(napi_env env, void* data) {
  (void)env;
  dont_need_request* req = data;
  req->result = req->len == 0 || madvise(req->base, req->len, MADV_DONTNEED) == 0 ? 0 : errno;
}

static void dont_need_complete(napi_env env, napi_status status, void* data) {
  dont_need_request* req = data;
  finish_promised_work(env, &req->head, int_value(env, status == napi_ok ? req->result : ECANCELED));
}

/* On the thread pool: 4 MiB took about 110 us of the caller's time when done in line. */
static napi_value dont_need(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  char* base;
  size_t len;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (!range_of(env, argc, argv, 0, &base, &len)) return throw_type(env, "dontNeed" RANGE_USAGE);
  dont_need_request* req = calloc(1, sizeof *req);
  if (req == NULL) {
    napi_throw_error(env, "ENOMEM", "dontNeed: out of memory");
    return NULL;
  }
  req->base = base;
  req->len = len;
  return queue_promised_work(env, "contrail.dontNeed", dont_need_execute, dont_need_complete, &req->head, int_value(env, ECANCELED), argv[0]);
}

void register_mapped_file(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "mapShared", NAPI_AUTO_LENGTH, map_shared, NULL, &fn);
  napi_set_named_property(env, exports, "mapShared", fn);
  napi_create_function(env, "dontNeed", NAPI_AUTO_LENGTH, dont_need, NULL, &fn);
  napi_set_named_property(env, exports, "dontNeed", fn);
  napi_create_function(env, "zeroFill", NAPI_AUTO_LENGTH, zero_fill, NULL, &fn);
  napi_set_named_property(env, exports, "zeroFill", fn);
}
