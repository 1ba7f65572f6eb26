// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.flow;

import io.peercollab.Diagnostic;

/**
 * Where a room of the engine reports what went wrong without failing a caller: the endpoint's diagnostics stream
 * (and its rate-limited log). Given to each room through its constructor.
 */
@FunctionalInterface
public interface Diagnoser {

	/** Reports a diagnostic of {@code kind}; {@code message} quotes untrusted values through {@code MessageText}. */
	void diagnose(Diagnostic.Kind kind, String message);
}
