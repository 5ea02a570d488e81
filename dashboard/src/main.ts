/**
 * The LearnPulse dashboard against the local stack, through the Firebase JS SDK (session.ts): it signs in as the uid
 * in the header (with the `admin` claim when ticked) through the Auth emulator. `?uid=…&admin=1&view=admin` preset
 * the header.
 */
import { mountAdminView } from "./admin.ts";
import { connectToStack, type Identity } from "./session.ts";
import { mountStudentView } from "./student.ts";

const params = new URLSearchParams(location.search);
const uidInput = document.querySelector<HTMLInputElement>("#uid") as HTMLInputElement;
const adminBox = document.querySelector<HTMLInputElement>("#admin") as HTMLInputElement;
uidInput.value = params.get("uid") ?? localStorage.getItem("learnpulse.uid") ?? "demo-student";
adminBox.checked = params.get("admin") === "1";

const identity = (): Identity => ({ uid: uidInput.value.trim() || "demo-student", admin: adminBox.checked });

const session = connectToStack();
// A failed sign-in shows where it matters: every call of the views waits for it and reports its error.
const signIn = () => session.signIn(identity()).catch(() => undefined);
void signIn();

const studentRoot = document.querySelector<HTMLElement>("#student-view") as HTMLElement;
const adminRoot = document.querySelector<HTMLElement>("#admin-view") as HTMLElement;
const student = mountStudentView(studentRoot, session);
const admin = mountAdminView(adminRoot, session);

uidInput.addEventListener("change", () => {
  localStorage.setItem("learnpulse.uid", identity().uid);
  void signIn();
  student.refresh();
});
adminBox.addEventListener("change", () => {
  void signIn();
  void admin.refresh();
});

function show(view: "student" | "admin") {
  studentRoot.hidden = view !== "student";
  adminRoot.hidden = view !== "admin";
  document.querySelector("#tab-student")?.setAttribute("aria-pressed", String(view === "student"));
  document.querySelector("#tab-admin")?.setAttribute("aria-pressed", String(view === "admin"));
  if (view === "admin") void admin.refresh();
  else student.refresh();
}
document.querySelector("#tab-student")?.addEventListener("click", () => show("student"));
document.querySelector("#tab-admin")?.addEventListener("click", () => show("admin"));
show(params.get("view") === "admin" ? "admin" : "student");
