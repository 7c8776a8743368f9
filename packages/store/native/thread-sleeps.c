// How many times the calling thread has slept in the kernel (voluntary context switches,
// getrusage RUSAGE_THREAD): the commit log asks around a page-cache write that took long, to
// tell a write that waited on the kernel (writeback, journal) from one that lost its core.
// process.resourceUsage() answers for the whole process, thread-pool threads included (which
// sleep whenever they are idle), and builds an object of sixteen fields per call.
//
// threadSleeps() returns the count, or -1 where RUSAGE_THREAD does not exist.
#define _GNU_SOURCE
#include <sys/resource.h>
#include "helper.h"

napi_value thread_sleeps(napi_env env, napi_callback_info info) {
  (void)info;
  double count = -1;
#ifdef RUSAGE_THREAD
  struct rusage usage;
  if (getrusage(RUSAGE_THREAD, &usage) == 0) count = (double)usage.ru_nvcsw;
#endif
  napi_value out;
  napi_create_double(env, count, &out);
  return out;
}
