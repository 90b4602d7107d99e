/**
 * @paved/portal: the catalog as web pages.
 *
 * @since 0.1.0
 */
export {}
