// The part of libcurl's easy interface that CurlTransport uses, declared here rather than
// taken from <curl/curl.h>, so that building attio-pipe needs no libcurl development package,
// and loaded at run time (ccurl.c), so that only `deliver`, `send` and `check` need
// libcurl.so.4 at all. The values are libcurl's public ABI, stable since 7.x; they were read from
// libcurl 7.88's headers, and `Tests/AttioPipeCoreTests/Delivery/CurlABITests.swift` checks
// them against <curl/curl.h> where the headers are installed.
//
// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: each
// argument type gets a typed wrapper (ccurl.c).

#ifndef ATTIO_PIPE_CCURL_H
#define ATTIO_PIPE_CCURL_H

#include <stddef.h>

typedef void CURL;
typedef long long curl_off_t;

struct curl_slist {
  char *data;
  struct curl_slist *next;
};

typedef enum {
  CURLE_OK = 0,
  CURLE_COULDNT_RESOLVE_PROXY = 5,
  CURLE_COULDNT_RESOLVE_HOST = 6,
  CURLE_COULDNT_CONNECT = 7,
  CURLE_WEIRD_SERVER_REPLY = 8,
  CURLE_PARTIAL_FILE = 18,
  CURLE_WRITE_ERROR = 23,
  CURLE_OPERATION_TIMEDOUT = 28,
  CURLE_SSL_CONNECT_ERROR = 35,
  CURLE_ABORTED_BY_CALLBACK = 42,
  CURLE_GOT_NOTHING = 52,
  CURLE_SEND_ERROR = 55,
  CURLE_RECV_ERROR = 56,
  CURLE_SSL_CERTPROBLEM = 58,
  CURLE_PEER_FAILED_VERIFICATION = 60,
  CURLE_SSL_CACERT_BADFILE = 77,
} CURLcode;

typedef enum {
  CURLOPT_NOPROGRESS = 43,
  CURLOPT_HTTPGET = 80,
  CURLOPT_NOSIGNAL = 99,
  CURLOPT_TIMEOUT_MS = 155,
  CURLOPT_WRITEDATA = 10001,
  CURLOPT_URL = 10002,
  CURLOPT_PROXY = 10004,
  CURLOPT_POSTFIELDS = 10015,
  CURLOPT_HTTPHEADER = 10023,
  CURLOPT_HEADERDATA = 10029,
  CURLOPT_CUSTOMREQUEST = 10036,
  CURLOPT_XFERINFODATA = 10057,
  CURLOPT_WRITEFUNCTION = 20011,
  CURLOPT_HEADERFUNCTION = 20079,
  CURLOPT_XFERINFOFUNCTION = 20219,
  CURLOPT_POSTFIELDSIZE_LARGE = 30120,
} CURLoption;

typedef enum {
  CURLINFO_RESPONSE_CODE = 0x200002,
  // Since libcurl 7.61: microseconds from the start of the transfer until the request was
  // about to be sent, and until the first byte of the answer came.
  CURLINFO_PRETRANSFER_TIME_T = 0x600035,
  CURLINFO_STARTTRANSFER_TIME_T = 0x600036,
} CURLINFO;

#define CURL_GLOBAL_DEFAULT 3

// libcurl is loaded (dlopen) on the first call of ccurl_load_error, never before: `build`
// does not map it. NULL: loaded; else why not. The functions below may be called only after
// it returned NULL.
const char *ccurl_load_error(void);
CURLcode ccurl_global_init(long flags);
CURL *ccurl_easy_init(void);
void ccurl_easy_reset(CURL *handle);
void ccurl_easy_cleanup(CURL *handle);
CURLcode ccurl_easy_perform(CURL *handle);
struct curl_slist *ccurl_slist_append(struct curl_slist *list, const char *string);
void ccurl_slist_free_all(struct curl_slist *list);

typedef size_t (*ccurl_data_callback)(char *, size_t, size_t, void *);
typedef int (*ccurl_progress_callback)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t);

CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, const void *value);
CURLcode ccurl_setopt_size(CURL *handle, CURLoption option, curl_off_t value);
CURLcode ccurl_setopt_data_callback(CURL *handle, CURLoption option, ccurl_data_callback callback);
CURLcode ccurl_setopt_progress_callback(
    CURL *handle, CURLoption option, ccurl_progress_callback callback);
CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode ccurl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value);

#endif
