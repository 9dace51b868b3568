// MPI return codes to JS errors. Our communicators use MPI_ERRORS_RETURN, so every failure
// arrives here as a code instead of aborting the process.
#include "common.h"

namespace mpinapi {

std::string ErrorString(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return "unknown MPI error " + std::to_string(code);
  return std::string(text, static_cast<size_t>(length));
}

int ErrorClass(int code) {
  int errorClass = MPI_ERR_UNKNOWN;
  if (MPI_Error_class(code, &errorClass) != MPI_SUCCESS) return MPI_ERR_UNKNOWN;
  return errorClass;
}

Napi::Error MakeMpiError(Napi::Env env, const MpiFailure& failure) {
  std::string function = failure.function != nullptr ? failure.function : "MPI";
  Napi::Error error = Napi::Error::New(env, function + " failed: " + ErrorString(failure.code));
  error.Set("mpiErrorClass", Napi::Number::New(env, ErrorClass(failure.code)));
  error.Set("mpiErrorCode", Napi::Number::New(env, failure.code));
  error.Set("mpiFunction", Napi::String::New(env, function));
  return error;
}

void ThrowIfFailed(Napi::Env env, int code, const char* function) {
  if (code != MPI_SUCCESS) throw MakeMpiError(env, MpiFailure{code, function});
}

namespace {

Napi::Value ErrorStringJs(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), ErrorString(info[0].As<Napi::Number>().Int32Value()));
}

Napi::Value ErrorClassJs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), ErrorClass(info[0].As<Napi::Number>().Int32Value()));
}

}  // namespace

void InitErrors(Napi::Env env, Napi::Object exports) {
  exports.Set("errorString", Napi::Function::New(env, ErrorStringJs));
  exports.Set("errorClass", Napi::Function::New(env, ErrorClassJs));
}

}  // namespace mpinapi
