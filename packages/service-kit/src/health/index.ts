export { startHttpServer, type HttpServer, type HttpServerOptions } from './http-server.ts';
export {
  postgresCheck,
  rabbitCheck,
  redisCheck,
  type ReadinessCheck,
  type RedisPingable,
  type SqlQueryable,
} from './readiness-checks.ts';
