// Tells the kernel that a range of a file it has already made durable will not be read through
// the page cache again (posix_fadvise POSIX_FADV_DONTNEED), on the libuv thread pool.
//
// dropCache(fd, offset, length) returns a promise of 0 or an errno value. The call itself is
// cheap to issue; the kernel's work (about 70 us per MiB of clean pages) happens off the event
// loop. Dirty pages are not dropped by the kernel, so callers pass only fdatasync'ed ranges.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
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
  napi_resolve_deferred(env, req->deferred, value);
  napi_delete_async_work(env, req->work);
  free(req);
}

static napi_value throw_type(napi_env env, const char* message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

static napi_value drop_cache(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc != 3) return throw_type(env, "dropCache(fd, offset, length) takes three numbers");
  int32_t fd;
  int64_t offset, length;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int64(env, argv[1], &offset) != napi_ok ||
      napi_get_value_int64(env, argv[2], &length) != napi_ok) {
    return throw_type(env, "dropCache(fd, offset, length) takes three numbers");
  }
  if (fd < 0 || offset < 0 || length < 0) return throw_type(env, "dropCache: fd, offset and length must not be negative");
  drop_request* req = calloc(1, sizeof *req);
  if (req == NULL) {
    napi_throw_error(env, "ENOMEM", "dropCache: out of memory");
    return NULL;
  }
  req->fd = fd;
  req->offset = offset;
  req->length = length;
  napi_value promise, name;
  napi_create_promise(env, &req->deferred, &promise);
  napi_create_string_utf8(env, "contrail.dropCache", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, drop_execute, drop_complete, req, &req->work);
  napi_queue_async_work(env, req->work);
  return promise;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "dropCache", NAPI_AUTO_LENGTH, drop_cache, NULL, &fn);
  napi_set_named_property(env, exports, "dropCache", fn);
  return exports;
}
