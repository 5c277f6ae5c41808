/** Small types shared by every layer: input validation errors. Depends on nothing. */
package io.s3nas.common;
