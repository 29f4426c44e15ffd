// SQLite RAII wrappers: errors carry the statement and SQLite's message.
#include "harness/common/sqlite.h"

#include <sqlite3.h>

#include <fmt/format.h>

namespace joulebench {
namespace {
[[noreturn]] void Fail(sqlite3* db, int rc, const std::string& site) {
  const char* msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw SqliteError(fmt::format("{}: {}", site, msg), rc & 0xff);
}
}  // namespace

Statement::Statement(sqlite3* db, const std::string& sql) : db_(db), sql_(sql) {
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr);
  if (rc != SQLITE_OK) Fail(db_, rc, "prepare '" + sql_.substr(0, 60) + "'");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Bind(int index, std::int64_t v) {
  if (int rc = sqlite3_bind_int64(stmt_, index, v); rc != SQLITE_OK) Fail(db_, rc, "bind");
  return *this;
}
Statement& Statement::Bind(int index, double v) {
  if (int rc = sqlite3_bind_double(stmt_, index, v); rc != SQLITE_OK) Fail(db_, rc, "bind");
  return *this;
}
Statement& Statement::Bind(int index, const std::string& v) {
  if (int rc = sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
      rc != SQLITE_OK) {
    Fail(db_, rc, "bind");
  }
  return *this;
}
Statement& Statement::BindNull(int index) {
  if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) Fail(db_, rc, "bind");
  return *this;
}

bool Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Fail(db_, rc, "step '" + sql_.substr(0, 60) + "'");
}

void Statement::Run() {
  while (Step()) {
  }
  Reset();
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
std::int64_t Statement::Int(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::Real(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Statement::Text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : std::string();
}
std::optional<double> Statement::OptReal(int col) const {
  return IsNull(col) ? std::nullopt : std::optional<double>(Real(col));
}

Database::Database(const std::string& path, bool create) {
  int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError(msg, rc & 0xff);
  }
  sqlite3_extended_result_codes(db_, 0);
}

Database::~Database() { sqlite3_close_v2(db_); }

void Database::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw SqliteError(fmt::format("exec '{}': {}", sql.substr(0, 60), msg), rc & 0xff);
  }
}

std::int64_t Database::LastInsertId() const { return sqlite3_last_insert_rowid(db_); }

Transaction::Transaction(Database& db) : db_(db) { db_.Exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!done_) {
    try {
      db_.Exec("ROLLBACK");
    } catch (...) {
    }
  }
}

void Transaction::Commit() {
  db_.Exec("COMMIT");
  done_ = true;
}

}  // namespace joulebench
