// Communicator handles: JS holds an index into a table owned by the JS thread. Index 0 is
// MPI_COMM_WORLD. Slots are never reused, so a stale handle can never alias a new communicator.
#include <vector>

#include "op.h"

namespace mpinapi {

namespace {

std::vector<MPI_Comm>& Table() {
  static std::vector<MPI_Comm> table{MPI_COMM_WORLD};
  return table;
}

uint32_t HandleArg(const Napi::CallbackInfo& info, size_t index) {
  return info[index].As<Napi::Number>().Uint32Value();
}

// MPI_Comm_split, MPI_Comm_split_type and MPI_Comm_dup have no nonblocking form we can rely on,
// so each blocks on a worker.
class CreateCommOp : public Op {
 public:
  enum class Kind { kSplit, kSplitType, kDup };

  // color is the split's color, or the split type (e.g. MPI_COMM_TYPE_SHARED) of a split by type.
  CreateCommOp(MPI_Comm parent, Kind kind, int color, int key)
      : parent_(parent), kind_(kind), color_(color), key_(key) {}

  Progress Poll() override { return done_ ? Progress::kDone : Progress::kNeedsBlocking; }

  void BlockingStep() override {
    done_ = true;
    if (!Create()) return;
    if (created_ != MPI_COMM_NULL) {
      Failed(MPI_Comm_set_errhandler(created_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    }
  }

  Napi::Value Result(Napi::Env env) override {
    if (created_ == MPI_COMM_NULL) return env.Null();
    return Napi::Number::New(env, AddComm(created_));
  }

 private:
  bool Create() {
    switch (kind_) {
      case Kind::kSplit:
        return !Failed(MPI_Comm_split(parent_, color_, key_, &created_), "MPI_Comm_split");
      case Kind::kSplitType:
        return !Failed(MPI_Comm_split_type(parent_, color_, key_, MPI_INFO_NULL, &created_), "MPI_Comm_split_type");
      case Kind::kDup:
        return !Failed(MPI_Comm_dup(parent_, &created_), "MPI_Comm_dup");
    }
    return false;
  }

  MPI_Comm parent_;
  Kind kind_;
  int color_;
  int key_;
  MPI_Comm created_ = MPI_COMM_NULL;
  bool done_ = false;
};

// Arguments: handle, then color (or split type) and key for the splits.
std::unique_ptr<Op> MakeCreateOp(const Napi::CallbackInfo& info, CreateCommOp::Kind kind) {
  MPI_Comm parent = CommFromHandle(HandleArg(info, 0));
  const bool isSplit = kind != CreateCommOp::Kind::kDup;
  int color = isSplit ? info[1].As<Napi::Number>().Int32Value() : 0;
  int key = isSplit ? info[2].As<Napi::Number>().Int32Value() : 0;
  return std::make_unique<CreateCommOp>(parent, kind, color, key);
}

template <CreateCommOp::Kind kind>
Napi::Value CreateSync(const Napi::CallbackInfo& info) {
  return RunSync(info.Env(), MakeCreateOp(info, kind));
}

// The callback is the last argument.
template <CreateCommOp::Kind kind>
Napi::Value CreateAsync(const Napi::CallbackInfo& info) {
  RunAsync(info.Env(), MakeCreateOp(info, kind), info[info.Length() - 1].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Value Rank(const Napi::CallbackInfo& info) {
  int rank = 0;
  ThrowIfFailed(info.Env(), MPI_Comm_rank(CommFromHandle(HandleArg(info, 0)), &rank), "MPI_Comm_rank");
  return Napi::Number::New(info.Env(), rank);
}

Napi::Value Size(const Napi::CallbackInfo& info) {
  int size = 0;
  ThrowIfFailed(info.Env(), MPI_Comm_size(CommFromHandle(HandleArg(info, 0)), &size), "MPI_Comm_size");
  return Napi::Number::New(info.Env(), size);
}

Napi::Value Free(const Napi::CallbackInfo& info) {
  uint32_t handle = HandleArg(info, 0);
  MPI_Comm comm = CommFromHandle(handle);
  ThrowIfFailed(info.Env(), MPI_Comm_free(&comm), "MPI_Comm_free");
  RemoveComm(handle);
  return info.Env().Undefined();
}

}  // namespace

MPI_Comm CommFromHandle(uint32_t handle) {
  std::vector<MPI_Comm>& table = Table();
  // The TS layer never passes a freed or unknown handle; MPI_COMM_NULL makes a bug an MPI error, not a crash.
  return handle < table.size() ? table[handle] : MPI_COMM_NULL;
}

uint32_t AddComm(MPI_Comm comm) {
  Table().push_back(comm);
  return static_cast<uint32_t>(Table().size() - 1);
}

void RemoveComm(uint32_t handle) {
  if (handle < Table().size()) Table()[handle] = MPI_COMM_NULL;
}

void ResetCommTable() { Table().assign(1, MPI_COMM_WORLD); }

void InitComm(Napi::Env env, Napi::Object exports) {
  exports.Set("commRank", Napi::Function::New(env, Rank));
  exports.Set("commSize", Napi::Function::New(env, Size));
  exports.Set("commFree", Napi::Function::New(env, Free));
  exports.Set("splitSync", Napi::Function::New(env, CreateSync<CreateCommOp::Kind::kSplit>));
  exports.Set("splitAsync", Napi::Function::New(env, CreateAsync<CreateCommOp::Kind::kSplit>));
  exports.Set("splitTypeSync", Napi::Function::New(env, CreateSync<CreateCommOp::Kind::kSplitType>));
  exports.Set("splitTypeAsync", Napi::Function::New(env, CreateAsync<CreateCommOp::Kind::kSplitType>));
  exports.Set("dupSync", Napi::Function::New(env, CreateSync<CreateCommOp::Kind::kDup>));
  exports.Set("dupAsync", Napi::Function::New(env, CreateAsync<CreateCommOp::Kind::kDup>));
}

}  // namespace mpinapi
