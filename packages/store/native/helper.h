// The store's native helper: functions each source file adds to the module.
#ifndef CONTRAIL_STORE_HELPER_H
#define CONTRAIL_STORE_HELPER_H
#include <node_api.h>

napi_value trim_memory(napi_env env, napi_callback_info info);

#endif
