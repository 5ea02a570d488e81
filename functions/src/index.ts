/** Every deployed function, and nothing else (STYLE rule 1). */
export { getStudentStats } from "./activity/functions.js";
