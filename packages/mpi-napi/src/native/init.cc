// Process-wide MPI environment: init and finalize, thread level, versions, processor name, abort.
#include <dlfcn.h>

#include "common.h"

namespace mpinapi {

namespace {

// Open MPI loads its components with dlopen and they expect libmpi's symbols in the global
// namespace; Node opens addons RTLD_LOCAL, so promote the libmpi this addon is linked to.
void PromoteLibmpiToGlobal() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&MPI_Init_thread), &info) == 0 || info.dli_fname == nullptr) return;
  void* handle = dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
  (void)handle;  // kept open for the life of the process on purpose
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int required = info[0].As<Napi::Number>().Int32Value();
  int provided = MPI_THREAD_SINGLE;
  ThrowIfFailed(env, MPI_Init_thread(nullptr, nullptr, required, &provided), "MPI_Init_thread");
  ThrowIfFailed(env, MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  ThrowIfFailed(env, MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  ResetCommTable();
  return Napi::Number::New(env, provided);
}

Napi::Value Initialized(const Napi::CallbackInfo& info) {
  int flag = 0;
  ThrowIfFailed(info.Env(), MPI_Initialized(&flag), "MPI_Initialized");
  return Napi::Boolean::New(info.Env(), flag != 0);
}

Napi::Value Finalized(const Napi::CallbackInfo& info) {
  int flag = 0;
  ThrowIfFailed(info.Env(), MPI_Finalized(&flag), "MPI_Finalized");
  return Napi::Boolean::New(info.Env(), flag != 0);
}

Napi::Value Finalize(const Napi::CallbackInfo& info) {
  ThrowIfFailed(info.Env(), MPI_Finalize(), "MPI_Finalize");
  return info.Env().Undefined();
}

Napi::Value QueryThread(const Napi::CallbackInfo& info) {
  int provided = MPI_THREAD_SINGLE;
  ThrowIfFailed(info.Env(), MPI_Query_thread(&provided), "MPI_Query_thread");
  return Napi::Number::New(info.Env(), provided);
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  int major = 0;
  int minor = 0;
  ThrowIfFailed(info.Env(), MPI_Get_version(&major, &minor), "MPI_Get_version");
  Napi::Array result = Napi::Array::New(info.Env(), 2);
  result.Set(0u, Napi::Number::New(info.Env(), major));
  result.Set(1u, Napi::Number::New(info.Env(), minor));
  return result;
}

Napi::Value LibraryVersion(const Napi::CallbackInfo& info) {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  ThrowIfFailed(info.Env(), MPI_Get_library_version(text, &length), "MPI_Get_library_version");
  return Napi::String::New(info.Env(), text, static_cast<size_t>(length));
}

Napi::Value ProcessorName(const Napi::CallbackInfo& info) {
  char text[MPI_MAX_PROCESSOR_NAME];
  int length = 0;
  ThrowIfFailed(info.Env(), MPI_Get_processor_name(text, &length), "MPI_Get_processor_name");
  return Napi::String::New(info.Env(), text, static_cast<size_t>(length));
}

Napi::Value Abort(const Napi::CallbackInfo& info) {
  MPI_Comm comm = CommFromHandle(info[0].As<Napi::Number>().Uint32Value());
  ThrowIfFailed(info.Env(), MPI_Abort(comm, info[1].As<Napi::Number>().Int32Value()), "MPI_Abort");
  return info.Env().Undefined();
}

Napi::Value Wtime(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), MPI_Wtime()); }

Napi::Value Configure(const Napi::CallbackInfo& info) {
  Napi::Object options = info[0].As<Napi::Object>();
  Settings& settings = GlobalSettings();
  settings.spin = std::chrono::microseconds(options.Get("spinMicros").As<Napi::Number>().Int64Value());
  settings.backoffMax = std::chrono::microseconds(options.Get("backoffMicros").As<Napi::Number>().Int64Value());
  settings.poolLimitBytes = static_cast<size_t>(options.Get("poolLimitBytes").As<Napi::Number>().Int64Value());
  return info.Env().Undefined();
}

Napi::Object Constants(Napi::Env env) {
  Napi::Object constants = Napi::Object::New(env);
  constants.Set("THREAD_SINGLE", Napi::Number::New(env, MPI_THREAD_SINGLE));
  constants.Set("THREAD_FUNNELED", Napi::Number::New(env, MPI_THREAD_FUNNELED));
  constants.Set("THREAD_SERIALIZED", Napi::Number::New(env, MPI_THREAD_SERIALIZED));
  constants.Set("THREAD_MULTIPLE", Napi::Number::New(env, MPI_THREAD_MULTIPLE));
  constants.Set("UNDEFINED", Napi::Number::New(env, MPI_UNDEFINED));
  constants.Set("ANY_SOURCE", Napi::Number::New(env, MPI_ANY_SOURCE));
  constants.Set("ANY_TAG", Napi::Number::New(env, MPI_ANY_TAG));
  constants.Set("COMM_TYPE_SHARED", Napi::Number::New(env, MPI_COMM_TYPE_SHARED));
  constants.Set("ERR_ARG", Napi::Number::New(env, MPI_ERR_ARG));
  constants.Set("ERR_COMM", Napi::Number::New(env, MPI_ERR_COMM));
  constants.Set("ERR_ROOT", Napi::Number::New(env, MPI_ERR_ROOT));
  constants.Set("ERR_TRUNCATE", Napi::Number::New(env, MPI_ERR_TRUNCATE));
  constants.Set("ERR_OTHER", Napi::Number::New(env, MPI_ERR_OTHER));
  return constants;
}

}  // namespace

Settings& GlobalSettings() {
  static Settings settings;
  return settings;
}

void InitEnvironment(Napi::Env env, Napi::Object exports) {
  PromoteLibmpiToGlobal();
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("initialized", Napi::Function::New(env, Initialized));
  exports.Set("finalized", Napi::Function::New(env, Finalized));
  exports.Set("finalize", Napi::Function::New(env, Finalize));
  exports.Set("queryThread", Napi::Function::New(env, QueryThread));
  exports.Set("version", Napi::Function::New(env, Version));
  exports.Set("libraryVersion", Napi::Function::New(env, LibraryVersion));
  exports.Set("processorName", Napi::Function::New(env, ProcessorName));
  exports.Set("abort", Napi::Function::New(env, Abort));
  exports.Set("wtime", Napi::Function::New(env, Wtime));
  exports.Set("configure", Napi::Function::New(env, Configure));
  exports.Set("constants", Constants(env));
}

}  // namespace mpinapi
