// Hands the C heap's free pages back to the kernel (glibc malloc_trim), on the libuv thread
// pool. Node's Buffers live in the C heap; once they are collected their pages stay with the
// process until the heap top is free, which a long-lived broker's heap seldom is.
//
// trimMemory() returns a promise of true when memory was returned, false when there was none
// to return or the C library has no malloc_trim (then nothing is done).
#define _GNU_SOURCE
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include "helper.h"

typedef struct {
  work_head head;
  int released;
} trim_request;

static void trim_execute(napi_env env, void* data) {
  (void)env;
  trim_request* req = data;
#ifdef __GLIBC__
  req->released = malloc_trim(0);
#else
  req->released = 0;
#endif
}

static void trim_complete(napi_env env, napi_status status, void* data) {
  trim_request* req = data;
  napi_value value;
  napi_get_boolean(env, status == napi_ok && req->released != 0, &value);
  finish_promised_work(env, &req->head, value);
}

napi_value trim_memory(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  if (napi_get_cb_info(env, info, &argc, NULL, NULL, NULL) != napi_ok) return NULL;
  if (argc != 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "trimMemory() takes no arguments");
    return NULL;
  }
  trim_request* req = calloc(1, sizeof *req);
  if (req == NULL) {
    napi_throw_error(env, "ENOMEM", "trimMemory: out of memory");
    return NULL;
  }
  napi_value no;
  if (napi_get_boolean(env, 0, &no) != napi_ok) {
    free(req);
    return NULL;
  }
  return queue_promised_work(env, "contrail.trimMemory", trim_execute, trim_complete, &req->head, no, NULL);
}
