// Promise plumbing and argument checks shared by the helper's calls (helper.h).
#include <stdlib.h>
#include "helper.h"

/* Frees req and what it holds, after resolving its promise (when there is one) with value. */
static void drop_request(napi_env env, work_head* req, napi_value value) {
  if (req->keep != NULL) napi_delete_reference(env, req->keep);
  if (value != NULL) napi_resolve_deferred(env, req->deferred, value);
  free(req);
}

napi_value queue_promised_work(napi_env env, const char* name, napi_async_execute_callback execute,
                               napi_async_complete_callback complete, work_head* req, napi_value fallback, napi_value keep) {
  napi_value promise, resource_name;
  req->keep = NULL;
  if (keep != NULL && napi_create_reference(env, keep, 1, &req->keep) != napi_ok) req->keep = NULL;
  if (napi_create_promise(env, &req->deferred, &promise) != napi_ok) {
    drop_request(env, req, NULL);
    return NULL;
  }
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_create_async_work(env, NULL, resource_name, execute, complete, req, &req->work) != napi_ok) {
    drop_request(env, req, fallback);
    return promise;
  }
  if (napi_queue_async_work(env, req->work) != napi_ok) {
    napi_delete_async_work(env, req->work);
    drop_request(env, req, fallback);
  }
  return promise;
}

void finish_promised_work(napi_env env, work_head* req, napi_value value) {
  napi_delete_async_work(env, req->work);
  drop_request(env, req, value);
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
