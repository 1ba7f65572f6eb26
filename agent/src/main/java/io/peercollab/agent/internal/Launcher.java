// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent.internal;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import io.peercollab.PeerApplication;
import io.peercollab.agent.AgentSettings;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Starts a registered application's command for an accepted invitation and keeps its launch until the started
 * process attaches (claimed by its process id, which on epoll is the one the kernel reports for its connection, or an
 * ancestor's: a launcher script may start the program) or the launch timeout passes. Only the registered path and
 * arguments are run; nothing of the invitation reaches the command line or the environment (which only says where
 * this agent is: {@link AgentSettings#DIRECTORY_VARIABLE}).
 */
final class Launcher implements Disposable {

	/** The most ancestors looked through when a process attaches. */
	private static final int ANCESTORS = 8;

	record Pending(long pid, LocalWire.Invite invite, String sessionKey) {
	}

	private final Path logDirectory;
	private final AgentSettings.Channel channel;
	private final Duration timeout;
	private final Consumer<String> expired;
	private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
	private final Disposable.Composite timers = Disposables.composite();

	/**
	 * @param expired told the session key of a launch whose process did not attach in time, or exited before
	 */
	Launcher(Path logDirectory, AgentSettings.Channel channel, Duration timeout, Consumer<String> expired) {
		this.logDirectory = logDirectory;
		this.channel = channel;
		this.timeout = timeout;
		this.expired = expired;
	}

	/** @return the started process's id */
	Mono<Long> launch(PeerApplication app, LocalWire.Invite invite, String sessionKey) {
		return Mono.fromCallable(() -> {
			List<String> command = new ArrayList<>();
			command.add(app.path());
			command.addAll(app.arguments());
			ProcessBuilder pb = new ProcessBuilder(command)
					.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
					.redirectErrorStream(true)
					.redirectOutput(ProcessBuilder.Redirect.appendTo(
							logDirectory.resolve("launched-" + app.id() + ".log").toFile()));
			// where this agent is, so that the program attaches to it with PeerCollaboration.agent(); its launch
			// information it reads over the channel
			pb.environment().put(AgentSettings.DIRECTORY_VARIABLE, logDirectory.toAbsolutePath().toString());
			pb.environment().put(AgentSettings.CHANNEL_VARIABLE, channel.name());
			Process process = pb.start();
			long pid = process.pid();
			pending.put(pid, new Pending(pid, invite, sessionKey));
			timers.add(Mono.delay(timeout).subscribe(t -> expire(pid)));
			process.onExit().thenRun(() -> expire(pid));
			return pid;
		}).subscribeOn(Schedulers.boundedElastic());
	}

	private void expire(long pid) {
		Pending p = pending.remove(pid);
		if (p != null) {
			expired.accept(p.sessionKey());
		}
	}

	/** @return the launch of {@code pid} or of its nearest launched ancestor, now taken, or {@code null} */
	@Nullable Pending claim(long pid) {
		Optional<ProcessHandle> h = ProcessHandle.of(pid);
		for (int i = 0; i <= ANCESTORS && h.isPresent(); i++) {
			Pending p = pending.remove(h.get().pid());
			if (p != null) {
				return p;
			}
			h = h.get().parent();
		}
		return null;
	}

	@Override
	public void dispose() {
		timers.dispose();
		pending.keySet().forEach(this::expire);
	}

	@Override
	public boolean isDisposed() {
		return timers.isDisposed();
	}
}
