// Thin RAII wrappers over the SQLite C API: a connection, prepared statements with typed binds and columns,
// and a transaction guard. Every failure throws with the SQL site and SQLite's own message.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace joulebench {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(const std::string& what, int code) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }  // primary SQLite result code (SQLITE_NOTADB, SQLITE_CANTOPEN, ...)

 private:
  int code_;
};

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int index, std::int64_t v);
  Statement& Bind(int index, int v) { return Bind(index, static_cast<std::int64_t>(v)); }
  Statement& Bind(int index, double v);
  Statement& Bind(int index, const std::string& v);
  Statement& Bind(int index, const char* v) { return Bind(index, std::string(v)); }
  Statement& BindNull(int index);
  template <typename T>
  Statement& Bind(int index, const std::optional<T>& v) {
    return v ? Bind(index, *v) : BindNull(index);
  }

  bool Step();  // true while a row is available
  void Run();   // Step() to completion, for statements without rows
  void Reset();

  bool IsNull(int col) const;
  std::int64_t Int(int col) const;
  double Real(int col) const;
  std::string Text(int col) const;
  std::optional<double> OptReal(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
};

class Database {
 public:
  // Opens (creating when allowed) the file; throws SqliteError on failure.
  Database(const std::string& path, bool create);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void Exec(const std::string& sql);
  Statement Prepare(const std::string& sql) { return Statement(db_, sql); }
  std::int64_t LastInsertId() const;
  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE on construction (takes the write lock up front, so concurrent writers queue on the busy
// timeout instead of failing on upgrade), ROLLBACK on destruction unless Commit() was called.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  void Commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace joulebench
