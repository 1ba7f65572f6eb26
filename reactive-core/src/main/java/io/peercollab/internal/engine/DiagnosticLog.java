// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.engine;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.peercollab.Diagnostic;
import io.peercollab.IpLiterals;
import io.peercollab.TcpAddress;
import reactor.core.scheduler.Scheduler;

/**
 * Writes diagnostics to the WARN log, at most {@link #LINES_PER_SOURCE} lines per source and {@link #WINDOW}: a peer
 * that gets itself refused a thousand times a second must not flood the log. What is left out is counted and written
 * as one "suppressed" line when the source's window ends. A source is the remote IP address when known, else the
 * proven peer name, else the diagnostic's kind. At most {@link #MAX_SOURCES} windows are open at once; sources beyond
 * share one window, so the log stays bounded however many addresses a flood comes from.
 */
final class DiagnosticLog {

	static final int LINES_PER_SOURCE = 10;
	static final Duration WINDOW = Duration.ofMinutes(1);
	static final int MAX_SOURCES = 64;

	private static final String OTHER_SOURCES = "other sources";

	private final Scheduler clock;
	private final Consumer<String> out;
	private final Map<Object, Window> windows = new HashMap<>();

	/**
	 * @param clock the scheduler whose clock opens windows and whose timers close them
	 * @param out where lines go (the WARN log)
	 */
	DiagnosticLog(Scheduler clock, Consumer<String> out) {
		this.clock = clock;
		this.out = out;
	}

	/**
	 * Writes {@code d} after {@code prefix}, or counts it if its source used its lines in this window.
	 */
	void log(String prefix, Diagnostic d) {
		Object source = sourceOf(d);
		boolean write;
		boolean opened = false;
		synchronized (windows) {
			Window w = windows.get(source);
			if (w == null && windows.size() >= MAX_SOURCES) {
				source = OTHER_SOURCES;
				w = windows.get(source);
			}
			if (w == null) {
				w = new Window();
				windows.put(source, w);
				opened = true;
			}
			write = w.lines < LINES_PER_SOURCE;
			if (write) {
				w.lines++;
			}
			else {
				w.suppressed++;
			}
		}
		if (opened) {
			Object closing = source;
			clock.schedule(() -> close(closing), WINDOW.toMillis(), TimeUnit.MILLISECONDS);
		}
		if (write) {
			out.accept(prefix + ": " + describe(d));
		}
	}

	private void close(Object source) {
		Window w;
		synchronized (windows) {
			w = windows.remove(source);
		}
		if (w != null && w.suppressed > 0) {
			out.accept("suppressed " + w.suppressed + " more diagnostics from " + source + " in the last "
					+ WINDOW.toSeconds() + " s");
		}
	}

	private static Object sourceOf(Diagnostic d) {
		if (d.address() instanceof TcpAddress tcp) {
			return tcp.address() != null ? IpLiterals.toString(tcp.address()) : tcp.socketAddress().getHostString();
		}
		if (d.address() != null) {
			return d.address();
		}
		return d.peer() != null ? d.peer() : d.kind();
	}

	static String describe(Diagnostic d) {
		StringBuilder b = new StringBuilder(d.message());
		if (d.peer() != null || d.address() != null) {
			b.append(" (");
			if (d.peer() != null) {
				b.append("peer ").append(d.peer());
			}
			if (d.address() != null) {
				b.append(d.peer() != null ? ", " : "").append("from ").append(d.address());
			}
			b.append(')');
		}
		return b.toString();
	}

	private static final class Window {
		int lines;
		int suppressed;
	}
}
