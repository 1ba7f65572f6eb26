// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.peercollab.NotAuthorizedException;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerUnreachableException;
import io.peercollab.agent.AgentSettings;
import io.rsocket.core.RSocketConnector;
import io.rsocket.transport.netty.client.TcpClientTransport;
import io.rsocket.util.DefaultPayload;
import reactor.core.Exceptions;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpResources;
import reactor.util.retry.Retry;

/** Attaches an application to the agent of a directory, starting the agent if none answers. */
public final class AgentClient {

	private AgentClient() {
	}

	private record Target(SocketAddress address, String secret) {
	}

	/**
	 * @return the agent's collaboration; fails with {@link NotAuthorizedException} if the agent's files are open to
	 * others or the agent refuses the secret, and with an {@link IOException} if no agent runs there
	 */
	public static Mono<PeerCollaboration> attach(AgentSettings settings) {
		return Mono.fromCallable(() -> target(settings)).subscribeOn(Schedulers.boundedElastic())
				.flatMap(t -> RSocketConnector.create()
						.setupPayload(DefaultPayload.create(LocalWire.write(
								new LocalWire.Hello(t.secret(), ProcessHandle.current().pid()))))
						.connect(TcpClientTransport.create(client(t.address()),
								LocalWire.MAX_FRAME)))
				.flatMap(AttachedCollaboration::attach);
	}

	/** A client on NIO for a domain socket (Java's own address type; epoll would want Netty's). */
	public static TcpClient client(SocketAddress address) {
		TcpClient tcp = TcpClient.create().remoteAddress(() -> address);
		return address instanceof UnixDomainSocketAddress ? tcp.runOn(TcpResources.get(), false) : tcp;
	}

	private static Target target(AgentSettings settings) throws IOException {
		Path dir = settings.directory();
		String secret = AgentFiles.readPrivate(dir.resolve(AgentFiles.SECRET));
		if (settings.channel() == AgentSettings.Channel.UNIX_DOMAIN) {
			return new Target(UnixDomainSocketAddress.of(dir.resolve(AgentFiles.SOCKET)), secret);
		}
		int port = Integer.parseInt(AgentFiles.readPrivate(dir.resolve(AgentFiles.PORT)));
		return new Target(new InetSocketAddress("127.0.0.1", port), secret);
	}

	/**
	 * Attaches, or starts an agent (this JVM's {@code java} with this JVM's class path, detached, logging to the
	 * agent directory) and attaches once it listens, within the settings' start timeout.
	 */
	public static Mono<PeerCollaboration> attachOrStart(AgentSettings settings) {
		return attach(settings).onErrorResume(e -> !(e instanceof NotAuthorizedException),
				e -> startAgent(settings).then(attach(settings).retryWhen(
						Retry.fixedDelay(Long.MAX_VALUE, java.time.Duration.ofMillis(100))
								.filter(t -> !(t instanceof NotAuthorizedException)))
						.onErrorMap(t -> t.getCause() != null && Exceptions.isRetryExhausted(t) ? t.getCause() : t)
						.timeout(settings.startTimeout(), Mono.error(() -> new PeerUnreachableException(
								"the agent started in " + settings.directory() + " did not listen within "
										+ settings.startTimeout())))));
	}

	private static Mono<Void> startAgent(AgentSettings settings) {
		return Mono.<Void>fromCallable(() -> {
			Path dir = AgentFiles.prepareDirectory(settings.directory());
			List<String> command = new ArrayList<>(List.of(
					Path.of(System.getProperty("java.home"), "bin", "java").toString(),
					"-cp", System.getProperty("java.class.path"), "io.peercollab.agent.PeerCollabAgent",
					"--dir", dir.toString()));
			if (settings.channel() == AgentSettings.Channel.LOOPBACK_TCP) {
				command.add("--tcp");
			}
			command.addAll(settings.agentArguments());
			new ProcessBuilder(command).redirectErrorStream(true)
					.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
					.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(AgentFiles.LOG).toFile())).start();
			return null;
		}).subscribeOn(Schedulers.boundedElastic());
	}
}
