/**
 * The LearnPulse dashboard against the local stack. Local only: it signs every call with an unsigned emulator ID
 * token for the uid in the header (plus `admin: true` when ticked), which only the local stack accepts.
 * `?uid=…&admin=1&view=admin` preset the header.
 */
import { mountAdminView } from "./admin.ts";
import type { Identity } from "./callables.ts";
import { mountStudentView } from "./student.ts";

const params = new URLSearchParams(location.search);
const uidInput = document.querySelector<HTMLInputElement>("#uid") as HTMLInputElement;
const adminBox = document.querySelector<HTMLInputElement>("#admin") as HTMLInputElement;
uidInput.value = params.get("uid") ?? localStorage.getItem("learnpulse.uid") ?? "demo-student";
adminBox.checked = params.get("admin") === "1";

const identity = (): Identity => ({ uid: uidInput.value.trim() || "demo-student", admin: adminBox.checked });

const studentRoot = document.querySelector<HTMLElement>("#student-view") as HTMLElement;
const adminRoot = document.querySelector<HTMLElement>("#admin-view") as HTMLElement;
const student = mountStudentView(studentRoot, identity);
const admin = mountAdminView(adminRoot, identity);

uidInput.addEventListener("change", () => {
  localStorage.setItem("learnpulse.uid", identity().uid);
  student.refresh();
});
adminBox.addEventListener("change", () => void admin.refresh());

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
