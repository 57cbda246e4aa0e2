// telltale-presence-helper: the per-user half of a presence check. The agent
// runs as root without a display; this small X11 program runs in the user's
// session (systemd user unit), connects to the agent's Unix socket and, when
// a check arrives, shows a window naming the company and the reason, asks
// for one physical action, and reports only *when* things happened: the
// prompt shown, each green box, each key press (never which key), Decline.
// Plain Xlib: one window, no toolkit to install on every laptop.
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

int64_t now_us() {
  timeval tv{};
  gettimeofday(&tv, nullptr);  // CLOCK_REALTIME: the clock evdev stamps events with
  return int64_t{tv.tv_sec} * 1000000 + tv.tv_usec;
}

int64_t now_ms() { return now_us() / 1000; }

bool send_line(int fd, const std::string& line) {
  std::string data = line + "\n";
  return ::send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
}

int connect_agent(const char* path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    auto tab = line.find('\t', start);
    out.push_back(line.substr(start, tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return out;
}

struct Check {
  std::string id, action, company, reason;
  int answer_s = 120, trials = 5;
};

class Prompt {
 public:
  Prompt(Display* dpy, int agent, const Check& check) : dpy_(dpy), agent_(agent), check_(check) {}

  // Runs until answered, declined or timed out; false if the agent went away.
  bool run() {
    const int screen = DefaultScreen(dpy_);
    win_ = XCreateSimpleWindow(dpy_, RootWindow(dpy_, screen), 100, 100, kWidth, kHeight, 1,
                               BlackPixel(dpy_, screen), WhitePixel(dpy_, screen));
    XStoreName(dpy_, win_, "Telltale presence check");
    XSelectInput(dpy_, win_, ExposureMask | KeyPressMask | ButtonPressMask | StructureNotifyMask);
    gc_ = XCreateGC(dpy_, win_, 0, nullptr);
    Colormap cmap = DefaultColormap(dpy_, screen);
    XColor exact;
    XAllocNamedColor(dpy_, cmap, "green3", &green_, &exact);
    XAllocNamedColor(dpy_, cmap, "gray70", &grey_, &exact);
    XMapRaised(dpy_, win_);
    XFlush(dpy_);
    std::mt19937 rng(static_cast<unsigned>(now_us()));
    const int64_t started = now_ms();
    bool ok = true;
    while (!done_) {
      while (XPending(dpy_)) {
        XEvent ev;
        XNextEvent(dpy_, &ev);
        handle(ev, rng);
      }
      if (done_) break;
      const int64_t t = now_ms();
      if (check_.action == "reaction" && shown_) step_reaction(t, rng);
      if (t - started > int64_t{check_.answer_s} * 1000 + int64_t{check_.trials} * 5000) {
        ok = send_line(agent_, "DONE");
        break;
      }
      pollfd fds[2] = {{ConnectionNumber(dpy_), POLLIN, 0}, {agent_, POLLIN, 0}};
      ::poll(fds, 2, 20);
      if (fds[1].revents & (POLLHUP | POLLERR)) {
        ok = false;
        break;
      }
    }
    XDestroyWindow(dpy_, win_);
    XFreeGC(dpy_, gc_);
    XFlush(dpy_);
    return ok && !failed_;
  }

 private:
  static constexpr int kWidth = 560, kHeight = 300;
  static constexpr int kBoxX = 200, kBoxY = 160, kBoxW = 160, kBoxH = 70;
  static constexpr int kDeclineX = 440, kDeclineY = 250, kDeclineW = 100, kDeclineH = 30;

  void report(const std::string& line) { failed_ = failed_ || !send_line(agent_, line); }

  void handle(const XEvent& ev, std::mt19937& rng) {
    if (ev.type == Expose && ev.xexpose.count == 0) {
      draw();
      if (!shown_) {
        // Viewable now: take the keyboard focus so the answer comes here.
        XSetInputFocus(dpy_, win_, RevertToParent, CurrentTime);
        shown_ = true;
        report("SHOWN\t" + std::to_string(now_us()));
        next_green_ms_ = now_ms() + std::uniform_int_distribution<int>(1500, 4000)(rng);
      }
    } else if (ev.type == ButtonPress) {
      const int x = ev.xbutton.x, y = ev.xbutton.y;
      if (x >= kDeclineX && x < kDeclineX + kDeclineW && y >= kDeclineY && y < kDeclineY + kDeclineH) {
        report("DECLINED");
        done_ = true;
      } else if (check_.action == "lid" && x >= kBoxX && x < kBoxX + kBoxW && y >= kBoxY && y < kBoxY + kBoxH) {
        report("DONE");  // "Done" once the lid was closed and opened again
        done_ = true;
      }
    } else if (ev.type == KeyPress && shown_) {
      const int64_t t = now_us();
      if (check_.action == "key") {
        report("KEY\t" + std::to_string(t));
        report("DONE");
        done_ = true;
      } else if (check_.action == "reaction" && green_since_ms_ > 0) {
        report("KEY\t" + std::to_string(t));
        end_trial(rng);
      }
    }
  }

  void step_reaction(int64_t t, std::mt19937& rng) {
    if (green_since_ms_ == 0 && t >= next_green_ms_) {
      green_since_ms_ = t;
      draw();
      XSync(dpy_, False);  // on screen before the time is taken
      report("GREEN\t" + std::to_string(now_us()));
    } else if (green_since_ms_ > 0 && t - green_since_ms_ > 3000) {
      end_trial(rng);  // missed
    }
  }

  void end_trial(std::mt19937& rng) {
    green_since_ms_ = 0;
    if (++trial_ >= check_.trials) {
      report("DONE");
      done_ = true;
      return;
    }
    next_green_ms_ = now_ms() + std::uniform_int_distribution<int>(1500, 4000)(rng);
    draw();
  }

  void text(int x, int y, const std::string& s) {
    XDrawString(dpy_, win_, gc_, x, y, s.c_str(), static_cast<int>(s.size()));
  }

  void draw() {
    XClearWindow(dpy_, win_);
    XSetForeground(dpy_, gc_, BlackPixel(dpy_, DefaultScreen(dpy_)));
    text(20, 30, check_.company + " asks you to confirm that you are at this laptop.");
    text(20, 50, "Reason: " + check_.reason);
    text(20, 70, "Only the action, the kind of device that answered and the timing are recorded, never keys.");
    if (check_.action == "lid") text(20, 110, "Close the lid, open it again, then click Done.");
    else if (check_.action == "key") text(20, 110, "Press any key on the laptop's built-in keyboard.");
    else
      text(20, 110, "Press the built-in space bar as soon as the box turns green (" +
                        std::to_string(check_.trials - trial_) + " left).");
    if (check_.action == "reaction") {
      XSetForeground(dpy_, gc_, green_since_ms_ > 0 ? green_.pixel : grey_.pixel);
      XFillRectangle(dpy_, win_, gc_, kBoxX, kBoxY, kBoxW, kBoxH);
      XSetForeground(dpy_, gc_, BlackPixel(dpy_, DefaultScreen(dpy_)));
    } else if (check_.action == "lid") {
      XDrawRectangle(dpy_, win_, gc_, kBoxX, kBoxY, kBoxW, kBoxH);
      text(kBoxX + 62, kBoxY + 40, "Done");
    }
    XDrawRectangle(dpy_, win_, gc_, kDeclineX, kDeclineY, kDeclineW, kDeclineH);
    text(kDeclineX + 26, kDeclineY + 20, "Decline");
    XFlush(dpy_);
  }

  Display* dpy_;
  int agent_;
  Check check_;
  Window win_ = 0;
  GC gc_{};
  XColor green_{}, grey_{};
  bool shown_ = false, done_ = false, failed_ = false;
  int trial_ = 0;
  int64_t next_green_ms_ = 0, green_since_ms_ = 0;
};

}  // namespace

// Xlib's default handler exits on any protocol error (a focus request racing
// a window manager, say); one prompt's error must not end the helper.
int ignore_x_error(Display*, XErrorEvent* e) {
  std::fprintf(stderr, "event=presence_helper_x_error code=%d request=%d\n", e->error_code, e->request_code);
  return 0;
}

int main(int argc, char** argv) {
  const char* socket_path = argc > 1 ? argv[1] : "/run/telltale/presence.sock";
  if (argc > 1 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::printf(
        "Usage: telltale-presence-helper [SOCKET]\n"
        "Shows a Telltale presence check's prompt in this user's graphical session and reports\n"
        "to the agent over SOCKET (default /run/telltale/presence.sock) when it was shown, when\n"
        "each green box appeared and when a key was pressed: times only, never which key.\n"
        "The employee may decline. Started by the systemd user unit telltale-presence-helper.service.\n");
    return 0;
  }
  XSetErrorHandler(ignore_x_error);
  Display* dpy = XOpenDisplay(nullptr);
  if (!dpy) {
    std::fprintf(stderr, "event=presence_helper_no_display display=%s\n", std::getenv("DISPLAY") ? std::getenv("DISPLAY") : "-");
    return 1;
  }
  for (;;) {
    int agent = connect_agent(socket_path);
    if (agent < 0) {
      sleep(2);  // the agent may not be up yet
      continue;
    }
    std::string buffer;
    bool alive = send_line(agent, "HELLO\t1");
    while (alive) {
      char chunk[1024];
      ssize_t n = ::recv(agent, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<size_t>(n));
      for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n')) {
        std::string line = buffer.substr(0, nl);
        buffer.erase(0, nl + 1);
        auto f = split_tabs(line);
        if (f[0] == "REFUSED") {
          std::fprintf(stderr, "event=presence_helper_refused reason=\"%s\"\n", f.size() > 1 ? f[1].c_str() : "");
          alive = false;
          break;
        }
        if (f[0] == "WELCOME") std::fprintf(stderr, "event=presence_helper_connected socket=%s\n", socket_path);
        if (f[0] != "CHECK" || f.size() < 7) continue;
        Check c{f[1], f[2], f[5], f[6], std::atoi(f[3].c_str()), std::atoi(f[4].c_str())};
        std::fprintf(stderr, "event=presence_prompt check=%s action=%s\n", c.id.c_str(), c.action.c_str());
        alive = Prompt(dpy, agent, c).run();
        if (!alive) break;
      }
    }
    ::close(agent);
    sleep(2);
  }
}
