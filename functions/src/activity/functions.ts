/** Registrations of the activity capability's functions. */
import { onCall } from "firebase-functions/https";
import { firestore } from "../adapters/firestore.js";
import { callable } from "../callable.js";
import { callableOptions } from "../options.js";
import { GetStudentStatsRequest } from "../schemas/user.js";
import { readStudentStats } from "./stats.js";

export const handleGetStudentStats = callable(
  { name: "getStudentStats", schema: GetStudentStatsRequest },
  async (_input, caller) => readStudentStats(await firestore(), caller.uid),
);

export const getStudentStats = onCall(callableOptions, handleGetStudentStats);
