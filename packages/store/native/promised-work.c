// Promise plumbing and argument checks shared by the helper's calls (helper.h).
#include <stdlib.h>
#include "helper.h"

napi_value queue_promised_work(napi_env env, const char* name, napi_async_execute_callback execute,
                               napi_async_complete_callback complete, work_head* req, napi_value fallback) {
  napi_value promise, resource_name;
  if (napi_create_promise(env, &req->deferred, &promise) != napi_ok) {
    free(req);
    return NULL;
  }
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_create_async_work(env, NULL, resource_name, execute, complete, req, &req->work) != napi_ok) {
    napi_resolve_deferred(env, req->deferred, fallback);
    free(req);
    return promise;
  }
  if (napi_queue_async_work(env, req->work) != napi_ok) {
    napi_resolve_deferred(env, req->deferred, fallback);
    napi_delete_async_work(env, req->work);
    free(req);
  }
  return promise;
}

void finish_promised_work(napi_env env, work_head* req, napi_value value) {
  napi_resolve_deferred(env, req->deferred, value);
  napi_delete_async_work(env, req->work);
  free(req);
}

napi_value throw_type(napi_env env, const char* message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

int whole_number(napi_env env, napi_value v, double min, double max, int64_t* out) {
  napi_valuetype type;
  double d;
  if (napi_typeof(env, v, &type) != napi_ok || type != napi_number) return 0;
  if (napi_get_value_double(env, v, &d) != napi_ok) return 0;
  if (!(d >= min && d <= max) || d != (double)(int64_t)d) return 0;
  *out = (int64_t)d;
  return 1;
}
