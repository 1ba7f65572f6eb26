// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import io.peercollab.AlreadyExistsException;
import io.peercollab.InvalidContactCardException;
import io.peercollab.InvalidRequestException;
import io.peercollab.InvitationClosedException;
import io.peercollab.IpLiterals;
import io.peercollab.LimitExceededException;
import io.peercollab.NotAuthorizedException;
import io.peercollab.NotFoundException;
import io.peercollab.NotSignedInException;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.PeerCollabException;
import io.peercollab.PeerIdentityException;
import io.peercollab.PeerIdentityMismatchException;
import io.peercollab.PeerUnreachableException;
import io.peercollab.identity.PeerName;
import io.rsocket.RSocketErrorException;
import io.rsocket.exceptions.ConnectionCloseException;
import io.rsocket.exceptions.ConnectionErrorException;
import io.rsocket.exceptions.CustomRSocketException;
import io.rsocket.exceptions.RejectedSetupException;

/**
 * The one place where {@link PeerCollabException} subtypes and RSocket error frames meet, both ways. Each subtype has
 * its own custom error code (RSocket's application range starts at {@code 0x00000301}); the frame's message is the
 * exception's message, so the caller gets the same type with the same words. The table is in PROTOCOL.md.
 */
public enum ErrorCodes {

	/** A {@link PeerCollabException} of no more specific kind; also what unknown codes become. */
	PEER_COLLAB(0x301, PeerCollabException.class, PeerCollabException::new),
	/** {@link InvalidRequestException}. */
	INVALID_REQUEST(0x302, InvalidRequestException.class, InvalidRequestException::new),
	/** {@link PayloadTooLargeException}. */
	PAYLOAD_TOO_LARGE(0x303, PayloadTooLargeException.class, PayloadTooLargeException::new),
	/** {@link LimitExceededException}. */
	LIMIT_EXCEEDED(0x304, LimitExceededException.class, LimitExceededException::new),
	/** {@link NotAuthorizedException}. */
	NOT_AUTHORIZED(0x305, NotAuthorizedException.class, NotAuthorizedException::new),
	/** {@link NotFoundException}. */
	NOT_FOUND(0x306, NotFoundException.class, NotFoundException::new),
	/** {@link AlreadyExistsException}. */
	ALREADY_EXISTS(0x307, AlreadyExistsException.class, AlreadyExistsException::new),
	/** {@link NotSignedInException}. */
	NOT_SIGNED_IN(0x308, NotSignedInException.class, NotSignedInException::new),
	/** {@link InvitationClosedException}. */
	INVITATION_CLOSED(0x309, InvitationClosedException.class, InvitationClosedException::new),
	/** {@link PeerUnreachableException}: the remote peer could not reach a peer it needed. */
	PEER_UNREACHABLE(0x30A, PeerUnreachableException.class, PeerUnreachableException::new),
	/** {@link PeerIdentityMismatchException}. */
	PEER_IDENTITY_MISMATCH(0x30B, PeerIdentityMismatchException.class, PeerIdentityMismatchException::new),
	/** {@link PeerIdentityException}. */
	PEER_IDENTITY(0x30C, PeerIdentityException.class, PeerIdentityException::new),
	/** {@link InvalidContactCardException}. */
	INVALID_CONTACT_CARD(0x30D, InvalidContactCardException.class, InvalidContactCardException::new);

	private final int code;
	private final Class<? extends PeerCollabException> type;
	private final Function<String, PeerCollabException> factory;

	ErrorCodes(int code, Class<? extends PeerCollabException> type, Function<String, PeerCollabException> factory) {
		this.code = code;
		this.type = type;
		this.factory = factory;
	}

	/** @return the RSocket error code */
	public int code() {
		return code;
	}

	/** @return the exception type this code stands for */
	public Class<? extends PeerCollabException> type() {
		return type;
	}

	/** @return the exception this code stands for, with this message */
	public PeerCollabException create(String message) {
		return factory.apply(message);
	}

	/**
	 * @return the code of {@code type}, or of its nearest known superclass, so a subclass a handler defines still
	 * arrives as the type it extends
	 */
	public static ErrorCodes of(Class<? extends Throwable> type) {
		for (Class<?> t = type; t != null && t != Object.class; t = t.getSuperclass()) {
			for (ErrorCodes c : values()) {
				if (c.type == t) {
					return c;
				}
			}
		}
		return PEER_COLLAB;
	}

	/** @return the code with this number, or {@link #PEER_COLLAB} if it is unknown */
	public static ErrorCodes of(int code) {
		for (ErrorCodes c : values()) {
			if (c.code == code) {
				return c;
			}
		}
		return PEER_COLLAB;
	}

	/**
	 * The error frame a responder sends for {@code error}. Our own exceptions keep their message; anything else is a
	 * bug in a handler, whose details stay on this machine.
	 *
	 * @param error what the handler or the decoder signalled
	 * @param route the route that was served, for the message of an unexpected error
	 * @return the exception whose code and message RSocket puts in the ERROR frame
	 */
	public static CustomRSocketException toWire(Throwable error, String route) {
		if (error instanceof CustomRSocketException custom) {
			return custom;
		}
		if (error instanceof PeerCollabException e) {
			return new CustomRSocketException(of(e.getClass()).code, messageOf(e));
		}
		return new CustomRSocketException(PEER_COLLAB.code,
				"The remote peer failed while serving " + route + " (" + error.getClass().getSimpleName() + ")");
	}

	/**
	 * The exception a requester delivers for what its RSocket signalled: the remote's own type for an error frame, or
	 * {@link PeerUnreachableException} naming the peer for anything that means the connection is gone.
	 *
	 * @param error what RSocket signalled
	 * @param remote the peer the request was sent to
	 * @param address where it was sent
	 * @return the exception to deliver
	 */
	public static Throwable fromWire(Throwable error, PeerName remote, InetSocketAddress address) {
		if (error instanceof PeerCollabException) {
			return error;
		}
		if (error instanceof CustomRSocketException custom) {
			return of(custom.errorCode()).factory.apply(custom.getMessage());
		}
		if (error instanceof RejectedSetupException rejected) {
			return fromSetupRejection(rejected.getMessage(), remote, address);
		}
		if (error instanceof ConnectionErrorException || error instanceof ConnectionCloseException) {
			return unreachable(remote, address, error);
		}
		if (error instanceof RSocketErrorException) {
			// APPLICATION_ERROR, CANCELED, INVALID, REJECTED: a peer that is not PeerCollab, or RSocket itself
			return new PeerCollabException(remote + " answered with an error: " + messageOf(error));
		}
		if (error instanceof IOException || error instanceof CancellationException
				|| error instanceof TimeoutException || error instanceof IllegalStateException) {
			// RSocket 1.1 fails requests on a closed connection with these, whatever closed it
			return unreachable(remote, address, error);
		}
		return new PeerCollabException("Request to " + remote + " failed: " + error, error);
	}

	/**
	 * The message of a REJECTED_SETUP frame: the code's name, a colon, then the words.
	 *
	 * @return {@code "NAME: message"}
	 */
	public static String setupRejection(ErrorCodes code, String message) {
		return code.name() + ": " + message;
	}

	/**
	 * Reads a setup rejection back into the exception it stands for; a rejection without a known prefix means the
	 * server would not talk to us at all, which to the caller is an unreachable peer.
	 */
	static PeerCollabException fromSetupRejection(String message, PeerName remote, InetSocketAddress address) {
		String m = message == null ? "" : message;
		int colon = m.indexOf(": ");
		if (colon > 0) {
			for (ErrorCodes c : values()) {
				if (c.name().equals(m.substring(0, colon))) {
					return c.factory.apply(m.substring(colon + 2));
				}
			}
		}
		return new PeerUnreachableException(remote + " at " + format(address) + " rejected the connection: " + m);
	}

	/**
	 * @return the exception for a connection to {@code remote} that is lost or could not be made
	 */
	public static PeerUnreachableException unreachable(PeerName remote, InetSocketAddress address, Throwable cause) {
		String why = cause.getMessage() == null || cause.getMessage().isBlank() ? cause.getClass().getSimpleName()
				: cause.getMessage();
		return new PeerUnreachableException(
				"Lost the connection to " + remote + " at " + format(address) + ": " + why, cause);
	}

	static String format(InetSocketAddress address) {
		return IpLiterals.toString(address);
	}

	/**
	 * Says why a connect failed when the exception's own message says nothing: Netty annotates a connect exception
	 * with the address, so one whose cause had no message reads {@code "null: /10.1.5.2:39499"} (a dial with no route
	 * to a private address). Then the message names the exception's class and its causes' (with their messages where
	 * they have one) and the address dialled; otherwise it is the message as it is.
	 *
	 * @param e what the connect failed with
	 * @param address the address dialled
	 * @return a message that is never {@code "null"}
	 */
	static String connectFailure(Throwable e, InetSocketAddress address) {
		String message = e.getMessage();
		if (!saysNothing(message)) {
			return message;
		}
		StringBuilder why = new StringBuilder(e.getClass().getSimpleName());
		int depth = 0;
		for (Throwable t = e.getCause(); t != null && t != e && depth < 4; t = t.getCause(), depth++) {
			why.append(" caused by ").append(t.getClass().getSimpleName());
			if (!saysNothing(t.getMessage())) {
				why.append(" (").append(t.getMessage()).append(')');
			}
		}
		return why.append(", with no message, dialling ").append(format(address)).toString();
	}

	/** @return whether a message is missing, or only Netty's annotation of a missing one ({@code "null: addr"}) */
	private static boolean saysNothing(String message) {
		return message == null || message.isBlank() || message.equals("null") || message.startsWith("null: ");
	}

	private static String messageOf(Throwable e) {
		return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
	}
}
