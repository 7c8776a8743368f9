// Tells the kernel that a range of a file it has already made durable will not be read through
// the page cache again (posix_fadvise POSIX_FADV_DONTNEED), on the libuv thread pool.
//
// dropCache(fd, offset, length) returns a promise of 0 or an errno value (ECANCELED when the
// work could not be queued); arguments that are not whole numbers in range throw a TypeError. The call itself is
// cheap to issue; the kernel's work (about 70 us per MiB of clean pages) happens off the event
// loop. Dirty pages are not dropped by the kernel, so callers pass only fdatasync'ed ranges.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include "helper.h"

typedef struct {
  work_head head;
  int fd;
  int64_t offset;
  int64_t length;
  int result;
} drop_request;

static void drop_execute(napi_env env, void* data) {
  (void)env;
  drop_request* req = data;
#ifdef POSIX_FADV_DONTNEED
  req->result = posix_fadvise(req->fd, (off_t)req->offset, (off_t)req->length, POSIX_FADV_DONTNEED);
#else
  req->result = ENOSYS;
#endif
}

static void drop_complete(napi_env env, napi_status status, void* data) {
  drop_request* req = data;
  napi_value value;
  napi_create_int32(env, status == napi_ok ? req->result : ECANCELED, &value);
  finish_promised_work(env, &req->head, value);
}

#define MAX_SAFE_INTEGER 9007199254740991.0
#define USAGE "dropCache(fd, offset, length): fd a descriptor, offset a whole number >= 0, length a whole number >= 1"

static napi_value drop_cache(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc != 3) return throw_type(env, USAGE);
  int64_t fd, offset, length;
  /* Length 0 would mean "to the end of the file" to the kernel: callers name their range. */
  if (!whole_number(env, argv[0], 0, 2147483647.0, &fd) || !whole_number(env, argv[1], 0, MAX_SAFE_INTEGER, &offset) ||
      !whole_number(env, argv[2], 1, MAX_SAFE_INTEGER, &length)) {
    return throw_type(env, USAGE);
  }
  drop_request* req = calloc(1, sizeof *req);
  if (req == NULL) {
    napi_throw_error(env, "ENOMEM", "dropCache: out of memory");
    return NULL;
  }
  req->fd = (int)fd;
  req->offset = offset;
  req->length = length;
  napi_value canceled;
  if (napi_create_int32(env, ECANCELED, &canceled) != napi_ok) {
    free(req);
    return NULL;
  }
  return queue_promised_work(env, "contrail.dropCache", drop_execute, drop_complete, &req->head, canceled, NULL);
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "dropCache", NAPI_AUTO_LENGTH, drop_cache, NULL, &fn);
  napi_set_named_property(env, exports, "dropCache", fn);
  napi_create_function(env, "trimMemory", NAPI_AUTO_LENGTH, trim_memory, NULL, &fn);
  napi_set_named_property(env, exports, "trimMemory", fn);
  napi_create_function(env, "threadSleeps", NAPI_AUTO_LENGTH, thread_sleeps, NULL, &fn);
  napi_set_named_property(env, exports, "threadSleeps", fn);
  register_crc32(env, exports);
  register_mapped_file(env, exports);
  return exports;
}
