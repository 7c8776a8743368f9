// The store's native helper: functions each source file adds to the module, and the promise
// plumbing they share (promised-work.c).
#ifndef CONTRAIL_STORE_HELPER_H
#define CONTRAIL_STORE_HELPER_H
#include <node_api.h>
#include <stdint.h>

/* The start of every request a call queues on the thread pool. */
typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  /* A value kept from being collected until the work is finished (a mapping it uses), or NULL. */
  napi_ref keep;
} work_head;

/*
 * Makes a promise and queues `req` (malloc'ed, starting with a work_head) on the thread pool:
 * `execute` runs there, `complete` on the loop and ends with finish_promised_work. When the work
 * cannot be queued the promise resolves to `fallback` and req is freed. NULL (req freed) only
 * when no promise could be made. `keep` (or NULL) stays alive until the work is finished.
 */
napi_value queue_promised_work(napi_env env, const char* name, napi_async_execute_callback execute,
                               napi_async_complete_callback complete, work_head* req, napi_value fallback, napi_value keep);

/* Resolves req's promise with value, lets its kept value go, deletes its work and frees req. */
void finish_promised_work(napi_env env, work_head* req, napi_value value);

/* Throws a TypeError (code ERR_INVALID_ARG_TYPE) with message; returns NULL for the caller to return. */
napi_value throw_type(napi_env env, const char* message);

/* Whether v is a JS number that is a whole number in [min, max]; if so, *out is it as int64. */
int whole_number(napi_env env, napi_value v, double min, double max, int64_t* out);

napi_value trim_memory(napi_env env, napi_callback_info info);
napi_value thread_sleeps(napi_env env, napi_callback_info info);

/* Adds mapShared, populateWrite, populateWriteSync, zeroFill and dontNeed (mapped-file.c). */
void register_mapped_file(napi_env env, napi_value exports);

/* Adds crc32, fillBodyCrcs and crc32Accelerated (crc32.c). */
void register_crc32(napi_env env, napi_value exports);

#endif
