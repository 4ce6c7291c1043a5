// libcurl, loaded when delivery first needs it (see include/CCurl.h): `build` never maps
// libcurl and the two dozen libraries it brings (about 5 MB of a process's resident pages),
// and runs where libcurl is not installed. Also the typed wrappers around libcurl's two
// variadic functions, which Swift cannot call.

#include "CCurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static struct {
  CURLcode (*global_init)(long);
  CURL *(*easy_init)(void);
  void (*easy_reset)(CURL *);
  void (*easy_cleanup)(CURL *);
  CURLcode (*easy_perform)(CURL *);
  CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
  CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
  struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
  void (*slist_free_all)(struct curl_slist *);
} curl;

static pthread_once_t loaded = PTHREAD_ONCE_INIT;
static char load_error[512];

static void *resolve(void *library, const char *name) {
  void *symbol = dlsym(library, name);
  if (symbol == NULL && load_error[0] == 0) {
    snprintf(load_error, sizeof load_error, "libcurl.so.4 has no %s", name);
  }
  return symbol;
}

static void load(void) {
  void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (library == NULL) {
    const char *reason = dlerror();
    snprintf(load_error, sizeof load_error, "%s", reason ? reason : "libcurl.so.4 not found");
    return;
  }
  curl.global_init = resolve(library, "curl_global_init");
  curl.easy_init = resolve(library, "curl_easy_init");
  curl.easy_reset = resolve(library, "curl_easy_reset");
  curl.easy_cleanup = resolve(library, "curl_easy_cleanup");
  curl.easy_perform = resolve(library, "curl_easy_perform");
  curl.easy_setopt = resolve(library, "curl_easy_setopt");
  curl.easy_getinfo = resolve(library, "curl_easy_getinfo");
  curl.slist_append = resolve(library, "curl_slist_append");
  curl.slist_free_all = resolve(library, "curl_slist_free_all");
}

const char *ccurl_load_error(void) {
  pthread_once(&loaded, load);
  return load_error[0] ? load_error : NULL;
}

CURLcode ccurl_global_init(long flags) { return curl.global_init(flags); }
CURL *ccurl_easy_init(void) { return curl.easy_init(); }
void ccurl_easy_reset(CURL *handle) { curl.easy_reset(handle); }
void ccurl_easy_cleanup(CURL *handle) { curl.easy_cleanup(handle); }
CURLcode ccurl_easy_perform(CURL *handle) { return curl.easy_perform(handle); }

struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *string) {
  return curl.slist_append(list, string);
}

void ccurl_slist_free_all(struct curl_slist *list) { curl.slist_free_all(list); }

CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value) {
  return curl.easy_setopt(handle, option, value);
}

CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
  return curl.easy_setopt(handle, option, value);
}

CURLcode ccurl_setopt_size(CURL *handle, CURLoption option, curl_off_t value) {
  return curl.easy_setopt(handle, option, value);
}

CURLcode ccurl_setopt_data_callback(CURL *handle, CURLoption option, ccurl_data_callback callback) {
  return curl.easy_setopt(handle, option, callback);
}

CURLcode ccurl_setopt_progress_callback(
    CURL *handle, CURLoption option, ccurl_progress_callback callback) {
  return curl.easy_setopt(handle, option, callback);
}

CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
  return curl.easy_getinfo(handle, info, value);
}

CURLcode ccurl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
  return curl.easy_getinfo(handle, info, value);
}
