#include "platform/linux/wake_pipe.h"

#include <fcntl.h>
#include <unistd.h>

namespace telltale::platform::linux_probe {

bool WakePipe::open() {
  close();
  return ::pipe2(fds_, O_CLOEXEC | O_NONBLOCK) == 0;
}

void WakePipe::wake() {
  if (fds_[1] < 0) return;
  char byte = 1;
  [[maybe_unused]] auto n = ::write(fds_[1], &byte, 1);  // a full pipe already wakes the reader
}

void WakePipe::drain() {
  char buf[16];
  while (fds_[0] >= 0 && ::read(fds_[0], buf, sizeof buf) > 0) {
  }
}

void WakePipe::close() {
  for (int& fd : fds_)
    if (fd >= 0) ::close(fd), fd = -1;
}

}  // namespace telltale::platform::linux_probe
