#pragma once
// A pipe a reader thread polls beside its input devices, so stopping the
// reader wakes it at once instead of waiting out its poll timeout (the
// input-timing and presence readers).
namespace telltale::platform::linux_probe {

class WakePipe {
 public:
  WakePipe() = default;
  ~WakePipe() { close(); }
  WakePipe(const WakePipe&) = delete;
  WakePipe& operator=(const WakePipe&) = delete;

  // Non-blocking, close-on-exec; false (errno set) when the pipe cannot be made.
  bool open();
  // What the reader polls (POLLIN when woken); -1 while closed.
  int read_fd() const { return fds_[0]; }
  void wake();
  // Empties the pipe after a wake the reader answers without stopping.
  void drain();
  void close();

 private:
  int fds_[2] = {-1, -1};
};

}  // namespace telltale::platform::linux_probe
