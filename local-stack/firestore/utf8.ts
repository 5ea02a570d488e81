/**
 * Requests carrying a string that is not valid UTF-8 are refused with INVALID_ARGUMENT, as Google's gRPC front ends
 * refuse a request proto they cannot decode. Such bytes come from JS strings with a lone surrogate: the Admin SDK's
 * protobufjs encodes short strings by hand, surrogate by surrogate (longer ones go through Buffer, which sends
 * U+FFFD instead). The proto library refuses the bytes, but grpc-js answers every failed deserialization with
 * INTERNAL, so the request is marked when it is decoded and its handler answers for it.
 */
import {
  status,
  type MethodDefinition,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";

// Spanner's answer to such a request (the same front end as Firestore's); Firestore's own wording is not published.
const REFUSAL = {
  code: status.INVALID_ARGUMENT,
  details: "Invalid request proto: an error was encountered during deserialization of the request proto.",
};
const INVALID_UTF8 = Symbol("request with invalid UTF-8");

type Handler = (call: { request: unknown }, callback?: sendUnaryData<unknown>) => void;

/**
 * The service with its unary and server-streaming methods refusing invalid UTF-8. Streaming requests (Listen, Write)
 * keep grpc-js's INTERNAL: their messages arrive one by one, after the call has started.
 */
export function refusingInvalidUtf8(
  definition: ServiceDefinition,
  implementation: object,
): { definition: ServiceDefinition; implementation: UntypedServiceImplementation } {
  const wrapped: Record<string, MethodDefinition<unknown, unknown>> = {};
  const handlers: UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(definition)) {
    const handler = (implementation as Record<string, Handler>)[name]?.bind(implementation);
    if (!handler) continue;
    if (method.requestStream) {
      wrapped[name] = method;
      handlers[name] = handler;
      continue;
    }
    wrapped[name] = { ...method, requestDeserialize: (bytes: Buffer) => decodeOrMark(method, bytes) };
    handlers[name] = method.responseStream
      ? (call: ServerWritableStream<unknown, unknown>) => (isMarked(call.request) ? call.emit("error", REFUSAL) : handler(call))
      : (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) =>
          isMarked(call.request) ? callback(REFUSAL, null) : handler(call, callback);
  }
  return { definition: wrapped, implementation: handlers };
}

function decodeOrMark(method: MethodDefinition<unknown, unknown>, bytes: Buffer): unknown {
  try {
    return method.requestDeserialize(bytes);
  } catch (error) {
    // Node's TextDecoder in fatal mode, which the proto library uses for string fields.
    if ((error as { code?: string }).code === "ERR_ENCODING_INVALID_ENCODED_DATA") return { [INVALID_UTF8]: true };
    throw error;
  }
}

const isMarked = (request: unknown) => typeof request === "object" && request !== null && INVALID_UTF8 in request;
