/**
 * The LearnPulse dashboard against the local stack, through the Firebase JS SDK (session.ts): it signs in as the uid
 * in the header (with the `admin` and `teacher` claims when ticked) through the Auth emulator, and shows the time zone
 * its sign-in sent. `?uid=…&admin=1&teacher=1&view=admin|reviews|analytics` preset the header and the view.
 */
import { mountAdminView } from "./admin.ts";
import { mountAnalyticsView } from "./analytics.ts";
import { mountReviewsView } from "./reviews.ts";
import { connectToStack, type Identity } from "./session.ts";
import { mountStudentView } from "./student.ts";

const params = new URLSearchParams(location.search);
const uidInput = document.querySelector<HTMLInputElement>("#uid") as HTMLInputElement;
const adminBox = document.querySelector<HTMLInputElement>("#admin") as HTMLInputElement;
const teacherBox = document.querySelector<HTMLInputElement>("#teacher") as HTMLInputElement;
const timezone = document.querySelector<HTMLElement>("#timezone") as HTMLElement;
uidInput.value = params.get("uid") ?? localStorage.getItem("learnpulse.uid") ?? "demo-student";
adminBox.checked = params.get("admin") === "1";
teacherBox.checked = params.get("teacher") === "1";

const identity = (): Identity => ({ uid: uidInput.value.trim() || "demo-student", admin: adminBox.checked, teacher: teacherBox.checked });

const session = connectToStack();
// A failed sign-in shows where it matters: every call of the views waits for it and reports its error.
const signIn = () =>
  session
    .signIn(identity())
    .then((profile) => void (timezone.textContent = `days in ${profile.timezone}`))
    .catch(() => undefined);
void signIn();

const studentRoot = document.querySelector<HTMLElement>("#student-view") as HTMLElement;
const adminRoot = document.querySelector<HTMLElement>("#admin-view") as HTMLElement;
const reviewsRoot = document.querySelector<HTMLElement>("#reviews-view") as HTMLElement;
const analyticsRoot = document.querySelector<HTMLElement>("#analytics-view") as HTMLElement;
const student = mountStudentView(studentRoot, session);
const admin = mountAdminView(adminRoot, session);
const reviews = mountReviewsView(reviewsRoot, session);
const analytics = mountAnalyticsView(analyticsRoot, session);

uidInput.addEventListener("change", () => {
  localStorage.setItem("learnpulse.uid", identity().uid);
  void signIn();
  student.refresh();
});
for (const box of [adminBox, teacherBox]) {
  box.addEventListener("change", () => {
    void signIn();
    void admin.refresh();
    void reviews.refresh();
    if (!analyticsRoot.hidden) void analytics.refresh();
  });
}

const VIEWS = ["student", "admin", "reviews", "analytics"] as const;
type View = (typeof VIEWS)[number];
function show(view: View) {
  studentRoot.hidden = view !== "student";
  adminRoot.hidden = view !== "admin";
  reviewsRoot.hidden = view !== "reviews";
  analyticsRoot.hidden = view !== "analytics";
  for (const tab of VIEWS) document.querySelector(`#tab-${tab}`)?.setAttribute("aria-pressed", String(view === tab));
  if (view === "admin") void admin.refresh();
  else if (view === "reviews") void reviews.refresh();
  else if (view === "analytics") void analytics.refresh();
  else student.refresh();
}
for (const tab of VIEWS) document.querySelector(`#tab-${tab}`)?.addEventListener("click", () => show(tab));
const requested = VIEWS.find((view) => view === params.get("view"));
show(requested ?? "student");
