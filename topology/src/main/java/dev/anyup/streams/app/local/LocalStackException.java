package dev.anyup.streams.app.local;

/** Starting, using or stopping a part of the local stack failed; the message says which part, which step and where. */
public final class LocalStackException extends RuntimeException {

    public LocalStackException(String message, Throwable cause) {
        super(message, cause);
    }

    public LocalStackException(String message) {
        super(message);
    }
}
