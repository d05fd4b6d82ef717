//! Image validation and re-encoding. The content decides the type (never the file name); every
//! upload is decoded and re-encoded, which also strips metadata (GPS positions in photos).

use image::{DynamicImage, GenericImageView, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// Widths served through `srcset`; never upscaled beyond the original.
pub const WIDTHS: [u32; 3] = [480, 960, 1600];
const MAX_DIMENSION: u32 = 12_000;
/// At most 40 megapixels (a 7,700 × 5,200 photo): decoded, such an image takes 160 MB, so one
/// upload can't take the server's memory (a tiny PNG can claim 12,000 × 12,000 pixels).
pub const MAX_PIXELS: u64 = 40_000_000;
const JPEG_QUALITY: u8 = 82;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MediaError {
    #[error("The file is larger than {limit_mb} MB. Please upload a smaller image.")]
    TooLarge { limit_mb: usize },
    #[error("That file is not a JPEG, PNG, WebP or GIF image.")]
    NotAnImage,
    #[error("The image could not be read; it may be damaged.")]
    Corrupt,
    #[error("The image has too many pixels (at most 40 megapixels and {MAX_DIMENSION} pixels a side). Please upload a smaller one.")]
    TooManyPixels,
}

pub struct Variant {
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

pub struct Processed {
    /// Where the photo was taken (EXIF GPS), read before re-encoding drops it. Never stored:
    /// the editor may only offer the nearest town from it.
    pub position: Option<(f64, f64)>,
    pub extension: &'static str,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
    pub variants: Vec<Variant>,
}

/// Validates and re-encodes `bytes` at each of `WIDTHS`. CPU-heavy: call it on the blocking pool.
pub fn process(bytes: &[u8], max_bytes: usize) -> Result<Processed, MediaError> {
    if bytes.len() > max_bytes {
        return Err(MediaError::TooLarge {
            limit_mb: max_bytes / (1024 * 1024),
        });
    }
    let format = image::guess_format(bytes).map_err(|_| MediaError::NotAnImage)?;
    if !matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif
    ) {
        return Err(MediaError::NotAnImage);
    }
    // The header says how large the image is: refuse before decoding anything.
    let (claimed_width, claimed_height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| MediaError::Corrupt)?;
    if claimed_width > MAX_DIMENSION
        || claimed_height > MAX_DIMENSION
        || u64::from(claimed_width) * u64::from(claimed_height) > MAX_PIXELS
    {
        return Err(MediaError::TooManyPixels);
    }
    let position = photo_position(bytes, format);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    // RGBA at the pixel cap, plus the decoder's own buffers.
    limits.max_alloc = Some(MAX_PIXELS * 4 + 64 * 1024 * 1024);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => MediaError::TooManyPixels,
        _ => MediaError::Corrupt,
    })?;
    let (width, height) = image.dimensions();
    // Photos become JPEG; images with transparency stay PNG.
    let keep_alpha = image.color().has_alpha();
    let (extension, content_type, output) = if keep_alpha {
        ("png", "image/png", ImageFormat::Png)
    } else {
        ("jpg", "image/jpeg", ImageFormat::Jpeg)
    };
    let mut variants = Vec::with_capacity(WIDTHS.len());
    for target in WIDTHS {
        let resized = if width > target {
            image.resize(target, u32::MAX, image::imageops::FilterType::Lanczos3)
        } else {
            image.clone()
        };
        variants.push(encode(&resized, output)?);
    }
    Ok(Processed {
        position,
        extension,
        content_type,
        width,
        height,
        variants,
    })
}

/// Latitude and longitude from the photo's EXIF GPS tags, when it has them.
fn photo_position(bytes: &[u8], format: ImageFormat) -> Option<(f64, f64)> {
    use image::ImageDecoder;
    let raw = ImageReader::with_format(Cursor::new(bytes), format)
        .into_decoder()
        .ok()?
        .exif_metadata()
        .ok()??;
    // Some decoders hand over the APP1 payload with its "Exif\0\0" marker, others without.
    let raw = match raw.strip_prefix(b"Exif\0\0") {
        Some(tiff) => tiff.to_vec(),
        None => raw,
    };
    let exif = exif::Reader::new().read_raw(raw).ok()?;
    let coordinate = |tag: exif::Tag, reference: exif::Tag| -> Option<f64> {
        let field = exif.get_field(tag, exif::In::PRIMARY)?;
        let exif::Value::Rational(parts) = &field.value else {
            return None;
        };
        let [degrees, minutes, seconds] = parts.get(..3)? else {
            return None;
        };
        let value = degrees.to_f64() + minutes.to_f64() / 60.0 + seconds.to_f64() / 3600.0;
        let hemisphere = exif
            .get_field(reference, exif::In::PRIMARY)?
            .display_value()
            .to_string();
        let signed = if hemisphere.contains('S') || hemisphere.contains('W') {
            -value
        } else {
            value
        };
        signed.is_finite().then_some(signed)
    };
    let lat = coordinate(exif::Tag::GPSLatitude, exif::Tag::GPSLatitudeRef)?;
    let lon = coordinate(exif::Tag::GPSLongitude, exif::Tag::GPSLongitudeRef)?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

fn encode(image: &DynamicImage, format: ImageFormat) -> Result<Variant, MediaError> {
    let mut out = Cursor::new(Vec::new());
    let result = match format {
        ImageFormat::Jpeg => {
            let rgb = image.to_rgb8();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
                .encode_image(&rgb)
        }
        _ => image.write_to(&mut out, format),
    };
    result.map_err(|_| MediaError::Corrupt)?;
    let (width, height) = image.dimensions();
    Ok(Variant {
        width,
        height,
        bytes: out.into_inner(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn png(width: u32, height: u32, alpha: bool) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        if alpha {
            image::RgbaImage::from_pixel(width, height, image::Rgba([10, 110, 80, 128]))
                .write_to(&mut out, ImageFormat::Png)
                .unwrap();
        } else {
            image::RgbImage::from_pixel(width, height, image::Rgb([10, 110, 80]))
                .write_to(&mut out, ImageFormat::Png)
                .unwrap();
        }
        out.into_inner()
    }

    #[test]
    fn photos_are_resized_and_reencoded() {
        let processed = process(&png(2000, 1000, false), 10 << 20).unwrap();
        assert_eq!(processed.extension, "jpg");
        let widths: Vec<u32> = processed.variants.iter().map(|v| v.width).collect();
        assert_eq!(widths, [480, 960, 1600]);
        assert_eq!(processed.variants[0].height, 240);
        assert_eq!(
            image::guess_format(&processed.variants[0].bytes).unwrap(),
            ImageFormat::Jpeg
        );
    }

    #[test]
    fn small_images_are_not_upscaled_and_alpha_stays_png() {
        let processed = process(&png(300, 200, true), 10 << 20).unwrap();
        assert_eq!(processed.extension, "png");
        assert!(processed.variants.iter().all(|v| v.width == 300));
    }

    #[test]
    fn content_decides_not_the_name() {
        assert_eq!(
            process(b"hello, I am text pretending to be a PNG", 10 << 20).err(),
            Some(MediaError::NotAnImage)
        );
        let mut truncated = png(50, 50, false);
        truncated.truncate(60);
        assert_eq!(
            process(&truncated, 10 << 20).err(),
            Some(MediaError::Corrupt)
        );
        assert_eq!(
            process(&png(50, 50, false), 10).err(),
            Some(MediaError::TooLarge { limit_mb: 0 })
        );
    }
}
